"""The encoder's attention kernels on a GPU (models/attention.py), checked through the backend
flags, which PyTorch keeps on CPU builds too."""

import torch
from helpers import synthetic_document, tiny_model

import models.joint
from models.attention import encoder_attention

FLAGS = {
    "cudnn": torch.backends.cuda.cudnn_sdp_enabled,
    "flash": torch.backends.cuda.flash_sdp_enabled,
    "efficient": torch.backends.cuda.mem_efficient_sdp_enabled,
    "math": torch.backends.cuda.math_sdp_enabled,
}


def flags() -> dict[str, bool]:
    return {name: read() for name, read in FLAGS.items()}


def test_on_cuda_every_kernel_but_cudnn_and_the_flags_come_back():
    before = flags()
    assert before["cudnn"], "PyTorch enables every attention backend by default"
    with encoder_attention(torch.device("cuda", 0)):
        assert flags() == {"cudnn": False, "flash": True, "efficient": True, "math": True}
    assert flags() == before


def test_elsewhere_nothing_changes():
    before = flags()
    for device in (torch.device("cpu"), torch.device("meta")):
        with encoder_attention(device):
            assert flags() == before


def test_the_encoder_pass_runs_inside_the_context(schema, monkeypatch):
    model, tokenizer = tiny_model(schema, [synthetic_document()])
    model.eval()
    devices, seen = [], []
    monkeypatch.setattr(models.joint, "encoder_attention",
                        lambda device: devices.append(device) or encoder_attention(torch.device("cuda")))
    real = model.encoder.forward
    monkeypatch.setattr(model.encoder, "forward", lambda **kw: seen.append(flags()["cudnn"]) or real(**kw))
    ids = torch.tensor([tokenizer("دمشق").input_ids])
    hidden = model.encode(ids, torch.ones_like(ids))
    assert devices == [torch.device("cpu")]
    assert seen == [False]  # the encoder ran with cuDNN attention off
    assert hidden.shape[:2] == ids.shape
    assert flags()["cudnn"]

"""The encoder's attention on a GPU (models/attention.py): its kernels, checked through the backend
flags, which PyTorch keeps on CPU builds too, and its padding masks, on meta tensors (which have no
values a host could read)."""

import pytest
import torch
from helpers import synthetic_document, tiny_model
from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, bidirectional_mask_function, sdpa_mask

import models.joint
from models.attention import encoder_attention, encoder_mask

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


def mask_of(padding: torch.Tensor):
    return dict(batch_size=padding.shape[0], q_length=padding.shape[1], kv_length=padding.shape[1],
                mask_function=bidirectional_mask_function, attention_mask=padding, allow_is_causal_skip=False,
                allow_is_bidirectional_skip=True, device=padding.device)


def test_training_off_the_cpu_keeps_the_padding_mask_without_reading_it():
    unread = torch.ones(2, 5, dtype=torch.bool, device="meta")  # a meta tensor has no values to read
    with pytest.raises(RuntimeError):
        sdpa_mask(**mask_of(unread))  # transformers reads it to find out whether it may drop it
    assert encoder_mask(**mask_of(unread)).shape == (2, 1, 5, 5)
    with torch.no_grad(), pytest.raises(RuntimeError):
        encoder_mask(**mask_of(unread))  # inference may still drop it (predict syncs per batch anyway)
    assert encoder_mask(**mask_of(torch.ones(2, 5, dtype=torch.bool))) is None  # the CPU as before
    padded = encoder_mask(**mask_of(torch.tensor([[True, True, False]])))
    assert padded[0, 0].tolist() == [[True, True, False]] * 3


def test_the_encoder_builds_its_masks_with_encoder_mask(schema):
    model, _ = tiny_model(schema, [synthetic_document()])
    assert ALL_MASK_ATTENTION_FUNCTIONS[model.encoder.config._attn_implementation] is encoder_mask

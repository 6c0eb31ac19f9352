"""The encoder's attention on a GPU (models/attention.py): its kernels, checked through the backend
flags, which PyTorch keeps on CPU builds too, and its padding masks, on meta tensors (which have no
values a host could read)."""

import pytest
import torch
from helpers import synthetic_document, tiny_model
from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, bidirectional_mask_function, sdpa_mask

import models.dropout
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


def test_flags_the_user_turned_off_stay_off():
    torch.backends.cuda.enable_flash_sdp(False)
    try:
        with encoder_attention(torch.device("cuda", 0)):
            assert flags() == {"cudnn": False, "flash": False, "efficient": True, "math": True}
        assert flags() == {"cudnn": True, "flash": False, "efficient": True, "math": True}
    finally:
        torch.backends.cuda.enable_flash_sdp(True)


@pytest.fixture
def attention_calls(monkeypatch):
    """Whether cuDNN attention was enabled at each `scaled_dot_product_attention` call, with
    `encoder_attention` acting on the CPU as it does on a GPU."""
    seen, real = [], torch.nn.functional.scaled_dot_product_attention
    monkeypatch.setattr(models.dropout, "encoder_attention", lambda device: encoder_attention(torch.device("cuda")))
    monkeypatch.setattr(torch.nn.functional, "scaled_dot_product_attention",
                        lambda *a, **kw: seen.append(flags()["cudnn"]) or real(*a, **kw))
    return seen


def test_every_attention_call_of_the_encoder_avoids_cudnn(schema, attention_calls):
    model, tokenizer = tiny_model(schema, [synthetic_document()])
    ids = torch.tensor([tokenizer("دمشق").input_ids])
    hidden = model.eval().encode(ids, torch.ones_like(ids))
    assert attention_calls == [False] * model.encoder.config.num_hidden_layers
    assert hidden.shape[:2] == ids.shape
    assert flags()["cudnn"]


def test_gradient_checkpointing_recomputes_attention_without_cudnn_too(schema, attention_calls):
    model, tokenizer = tiny_model(schema, [synthetic_document()])
    model.train()
    for module in model.encoder.modules():  # no attention dropout: the CPU then calls SDPA as a GPU does
        if isinstance(module, models.dropout.FastDropout):
            module.p = 0.0
    model.encoder.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
    ids = torch.tensor([tokenizer("دمشق حلب").input_ids] * 2)
    model.encode(ids, torch.ones_like(ids)).sum().backward()
    layers = model.encoder.config.num_hidden_layers
    assert attention_calls == [False] * (2 * layers)  # the forward pass, then the recomputation in backward


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

"""`models/dropout.py`: the cheaper dropout drops each element with probability p and keeps the
expected value, is the identity in eval mode, follows the global seed, and the training
attention equals transformers' `sdpa` wherever it does not drop."""

import copy

import pytest
import torch
from transformers import BertConfig, BertModel

from models.dropout import (
    TRAINING_ATTENTION,
    FastDropout,
    keep_mask,
    training_attention,
    use_fast_dropout,
    use_training_attention,
)


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_elements_are_dropped_with_probability_p_and_the_mean_is_kept(p):
    torch.manual_seed(0)
    kept, scale = keep_mask(torch.Size([400, 1000]), p, torch.device("cpu"))
    assert kept.dtype == torch.bool and kept.shape == (400, 1000)
    assert abs((~kept).float().mean().item() - p) < 0.003  # 400,000 draws: 3 standard deviations < 0.0025
    layer = FastDropout(p).train()
    x = torch.full((400, 1000), 2.0)
    y = layer(x)
    values = y.unique().tolist()
    assert len(values) == 2 and values[0] == 0.0 and values[1] == pytest.approx(2.0 * scale)
    assert abs(y.mean().item() - 2.0) < 0.03
    assert scale == pytest.approx(1 / (1 - p), rel=1e-4)


def test_neighbouring_elements_are_not_dropped_together():
    """Four elements share one 64-bit draw: their masks must still be independent."""
    torch.manual_seed(1)
    kept, _ = keep_mask(torch.Size([200_000, 4]), 0.5, torch.device("cpu"))
    both_dropped = (~kept[:, 0] & ~kept[:, 1]).float().mean().item()
    assert abs(both_dropped - 0.25) < 0.005
    assert abs((~kept[:, 3]).float().mean().item() - 0.5) < 0.005  # the top lane is not biased


def test_eval_mode_and_p_zero_are_the_identity_and_gradients_follow_the_mask():
    x = torch.randn(3, 5, 8, requires_grad=True)
    assert FastDropout(0.3).eval()(x) is x and FastDropout(0.0).train()(x) is x
    y = FastDropout(0.3).train()(x)
    y.backward(torch.ones_like(y))
    assert torch.equal(x.grad == 0, y == 0) and (y == 0).any()
    with pytest.raises(ValueError, match="dropout probability"):
        FastDropout(1.0)


def test_the_same_seed_gives_the_same_masks():
    layer, x = FastDropout(0.1).train(), torch.ones(50, 60)
    torch.manual_seed(7)
    first = layer(x)
    torch.manual_seed(7)
    assert torch.equal(layer(x), first)
    assert not torch.equal(layer(x), first)


def tiny_bert() -> BertModel:
    torch.manual_seed(3)
    config = BertConfig(vocab_size=50, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, attn_implementation="sdpa")
    return BertModel(config, add_pooling_layer=False)


def test_every_dropout_is_replaced_and_eval_outputs_do_not_change():
    stock = tiny_bert().eval()
    fast = copy.deepcopy(stock)
    dropouts = sum(type(m) is torch.nn.Dropout for m in stock.modules())
    assert use_fast_dropout(fast) == dropouts > 0
    assert use_training_attention(fast) and fast.config._attn_implementation == TRAINING_ATTENTION
    assert not any(type(m) is torch.nn.Dropout for m in fast.modules())
    ids = torch.randint(5, 50, (2, 9))
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0
    with torch.no_grad():
        assert torch.equal(fast(input_ids=ids, attention_mask=mask).last_hidden_state,
                           stock(input_ids=ids, attention_mask=mask).last_hidden_state)


def test_training_attention_equals_sdpa_where_nothing_is_dropped():
    module = tiny_bert().encoder.layer[0].attention.self.train()
    torch.manual_seed(4)
    q, k, v = (torch.randn(2, 4, 7, 8) for _ in range(3))
    mask = torch.ones(2, 1, 7, 7, dtype=torch.bool)
    mask[1, ..., 5:] = False  # the second window's last two positions are padding
    # p below 1 / 65,536 drops nothing, but still takes the dropout path
    out, weights = training_attention(module, q, k, v, mask, dropout=1e-6, scaling=8 ** -0.5)
    reference = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=8 ** -0.5)
    assert weights is None and out.shape == (2, 7, 4, 8)
    assert torch.allclose(out, reference.transpose(1, 2), atol=1e-5)
    additive = torch.zeros(mask.shape).masked_fill(~mask, float("-inf"))
    torch.manual_seed(5)
    with_bool, _ = training_attention(module, q, k, v, mask, dropout=0.2, scaling=8 ** -0.5)
    torch.manual_seed(5)
    with_float, _ = training_attention(module, q, k, v, additive, dropout=0.2, scaling=8 ** -0.5)
    assert torch.allclose(with_bool, with_float, atol=1e-6)
    dropped, _ = training_attention(module, q, k, v, mask, dropout=0.5, scaling=8 ** -0.5)
    assert not torch.allclose(dropped, out, atol=1e-3)


def test_off_the_cpu_the_fused_dropout_runs(monkeypatch):
    calls = []

    def noting(x, p, training):
        calls.append((x.device.type, p, training))
        return x

    monkeypatch.setattr(torch.nn.functional, "dropout", noting)
    x = torch.empty(4, 8, device="meta")  # any device but the CPU
    assert FastDropout(0.1).train()(x) is x and calls == [("meta", 0.1, True)]
    FastDropout(0.1).train()(torch.ones(4, 8))
    assert len(calls) == 1  # the CPU draws its own masks

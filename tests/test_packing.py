"""`models/packing.py`: the padding-free encoder pass gives the padded pass's states and
gradients at every real subword, zeros at padding, and `JointModel` takes it only where it can."""

import copy

import pytest
import torch
from transformers import BertConfig, BertModel, RobertaConfig, RobertaModel

from models.dropout import use_fast_dropout, use_training_attention
from models.joint import JointModel
from models.packing import can_pack, packed_encode


def bert(dropout: float) -> BertModel:
    torch.manual_seed(3)
    config = BertConfig(vocab_size=60, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                        hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout, attn_implementation="sdpa")
    encoder = BertModel(config, add_pooling_layer=False)
    use_fast_dropout(encoder)
    use_training_attention(encoder)
    return encoder.train()


def batch() -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.randint(5, 60, (3, 10), generator=torch.Generator().manual_seed(1))
    mask = torch.ones_like(ids)
    mask[0, 7:] = 0  # right padding
    mask[2, :3] = 0  # left padding: positions stay those of the padded window
    return ids, mask


def test_packed_pass_equals_the_padded_pass_at_every_real_subword():
    padded_encoder = bert(dropout=0.0)
    packed_encoder = copy.deepcopy(padded_encoder)
    ids, mask = batch()
    real = mask.bool()
    assert can_pack(packed_encoder)
    padded = padded_encoder(input_ids=ids, attention_mask=mask).last_hidden_state
    packed = packed_encode(packed_encoder, ids, mask)
    assert packed.shape == padded.shape == (3, 10, 32)
    assert torch.allclose(packed[real], padded[real], atol=1e-5)
    assert not packed[~real].any()  # padding positions are zeros
    weights = torch.randn(32)
    (padded[real] @ weights).sum().backward()
    (packed[real] @ weights).sum().backward()
    for (name, a), b in zip(padded_encoder.named_parameters(), packed_encoder.parameters()):
        if a.grad is not None:
            assert torch.allclose(a.grad, b.grad, atol=1e-5), name


def test_packed_pass_drops_out_and_still_ignores_padding():
    encoder = bert(dropout=0.3)
    ids, mask = batch()
    torch.manual_seed(0)
    first = packed_encode(encoder, ids, mask)
    torch.manual_seed(1)
    second = packed_encode(encoder, ids, mask)
    assert not torch.allclose(first, second, atol=1e-3)  # dropout is on
    changed = ids.clone()
    changed[~mask.bool()] = 7  # other subwords at the padding positions
    torch.manual_seed(0)
    assert torch.equal(packed_encode(encoder, changed, mask), first)


def joint(encoder, schema) -> JointModel:
    return JointModel.from_encoder(encoder, schema=schema.to_dict(), window_length=16, window_stride=4)


@pytest.mark.parametrize("training, padding, expected", [(True, True, 1), (False, True, 0), (True, False, 0)])
def test_joint_model_packs_only_training_batches_with_padding(schema, monkeypatch, training, padding, expected):
    model = joint(bert(dropout=0.1), schema).train(training)
    calls = []
    monkeypatch.setattr("models.joint.packed_encode", lambda *args: calls.append(1) or packed_encode(*args))
    ids, mask = batch()
    if not padding:
        mask = torch.ones_like(mask)
    assert model.encode(ids, mask).shape == (3, 10, 32)
    assert len(calls) == expected


def test_encoders_without_bert_positions_keep_the_padded_pass(schema):
    config = RobertaConfig(vocab_size=60, hidden_size=32, num_hidden_layers=1, num_attention_heads=4,
                           intermediate_size=64, attn_implementation="sdpa")
    model = joint(RobertaModel(config, add_pooling_layer=False), schema).train()
    assert not can_pack(model.encoder)  # RoBERTa derives positions from the padding itself
    ids, mask = batch()
    assert model.encode(ids, mask).shape == (3, 10, 32)
    stock = BertModel(BertConfig(vocab_size=60, hidden_size=32, num_hidden_layers=1, num_attention_heads=4,
                                 intermediate_size=64, attn_implementation="eager"), add_pooling_layer=False)
    assert not can_pack(stock)  # not running training_attention: nothing would pad for attention
    decoder = bert(dropout=0.0)
    decoder.config.is_decoder = True
    assert not can_pack(decoder)  # causal attention: the key mask alone is not its mask

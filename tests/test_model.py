"""Alignment, windows, the joint model's one-pass design, training, save/load."""

import pytest
import torch
from helpers import TEXT, synthetic_document, tiny_config, tiny_model

from train.align import is_representable, make_windows, tokenize_documents, training_windows, window_ranges
from train.decode import decode_tags
from train.fit.batches import LengthGroupedBatches, collate_windows
from train.fit.build import make_optimizer
from train.predict.predictor import Predictor


def test_window_ranges_cover_every_token_with_the_stride():
    assert window_ranges(0, 10, 3) == []
    for length in range(1, 60):
        ranges = window_ranges(length, 10, 3)
        covered = sorted({i for a, b in ranges for i in range(a, b)})
        assert covered == list(range(length))
        assert all(b - a <= 10 for a, b in ranges)
        for (_, b1), (a2, _) in zip(ranges, ranges[1:]):
            assert b1 - a2 >= 3  # consecutive windows overlap by at least the stride


def test_long_sentence_is_split_not_truncated(schema):
    doc = synthetic_document()
    model, tokenizer = tiny_model(schema, [doc])
    windows, sentences, report = training_windows([doc], tokenizer, schema, window_length=8, window_stride=2, normalization="arabert_v02")
    assert report.split_sentences >= 1
    for number, sentence in enumerate(sentences):
        seen = set()
        for w in windows:
            if w.sentence == number:
                assert w.input_ids[1:-1] == sentence.ids[w.first:w.first + w.size]
                seen |= set(range(w.first, w.first + w.size))
        assert seen == set(range(len(sentence.ids)))


def test_gold_spans_come_back_from_subword_labels(schema, gold_docs):
    model, tokenizer = tiny_model(schema, gold_docs)
    windows, sentences, report = training_windows(gold_docs, tokenizer, schema, window_length=512, window_stride=0, normalization="arabert_v02")
    assert report.windows == sum(1 for s in sentences if s.ids)  # one window per sentence at this length
    recovered, representable = set(), set()
    for w in windows:
        sentence = sentences[w.sentence]
        one_hot = torch.nn.functional.one_hot(torch.tensor(w.labels[1:-1]), len(schema.bio_labels)).float()
        for first, last, etype, _ in decode_tags(*one_hot.max(dim=-1), schema.bio_labels):
            recovered.add((sentence.doc, sentence.spans[first][0], sentence.spans[last][1], etype))
    for d, doc in enumerate(gold_docs):
        for e in doc.entities:
            sentence = next(s for s in sentences if s.doc == d and s.spans and s.spans[0][0] <= e.start < s.spans[-1][1])
            if is_representable(sentence.spans, e.start, e.end):
                representable.add((d, e.start, e.end, e.type))
    assert representable, "no gold span is representable"
    assert representable <= recovered
    assert report.unrepresentable == sum(len(d.entities) for d in gold_docs) - len(representable)


def test_relation_head_uses_one_encoder_pass_per_window(schema):
    doc = synthetic_document()
    model, tokenizer = tiny_model(schema, [doc])
    calls = []
    model.encoder.register_forward_hook(lambda *args: calls.append(1))
    windows, _, _ = training_windows([doc], tokenizer, schema, window_length=64, window_stride=8, normalization="arabert_v02")
    batch = collate_windows(windows, tokenizer.pad_token_id, len(schema.relation_names))
    assert batch["pair_heads"].numel() > 3
    model(**batch)
    assert len(calls) == 1  # one batched pass for all windows and all their pairs
    calls.clear()
    many = synthetic_document()
    many.text = "، ".join([TEXT.split(".")[1]] * 6)  # one sentence, many mentions and pairs
    predictor = Predictor(model, tokenizer, batch_size=1)
    predictor.predict([TEXT, many.text])
    sentences = tokenize_documents([TEXT, many.text], tokenizer, "arabert_v02")
    assert len(calls) == len(make_windows(sentences, tokenizer, model.config.window_length, model.config.window_stride))


def test_a_training_step_off_the_cpu_reads_no_value_on_the_host(schema):
    """On a GPU a host read (`.item()`, `bool(tensor)`, `.tolist()`) waits for all queued work:
    meta tensors have no values, so the same step on them raises at any such read."""
    doc = synthetic_document()
    model, tokenizer = tiny_model(schema, [doc])
    windows, _, _ = training_windows([doc], tokenizer, schema, window_length=64, window_stride=8, normalization="arabert_v02")
    batch = collate_windows(windows, tokenizer.pad_token_id, len(schema.relation_names))
    assert batch["pair_heads"].numel() and not batch["attention_mask"].all()  # both heads, padding
    model.train().to("meta")
    out = model(**{name: value.to("meta") for name, value in batch.items()})
    out.loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    assert out.relation_logits.shape == (batch["pair_heads"].numel(), len(schema.relation_names) + 1)
    assert all(p.grad is not None for p in model.parameters() if p.requires_grad)


def test_a_tokenizer_saved_with_padding_and_truncation_still_sees_whole_sentences(schema, tmp_path):
    doc = synthetic_document()
    _, tokenizer = tiny_model(schema, [doc])
    plain = [s.ids for s in tokenize_documents([TEXT], tokenizer, "arabert_v02")]
    tokenizer(["قوات", TEXT], padding=True, truncation=True, max_length=4)  # leaves both set in tokenizer.json
    tokenizer.save_pretrained(tmp_path)
    from transformers import AutoTokenizer

    reloaded = AutoTokenizer.from_pretrained(tmp_path)
    assert reloaded.backend_tokenizer.padding is not None and reloaded.backend_tokenizer.truncation is not None
    assert [s.ids for s in tokenize_documents([TEXT], reloaded, "arabert_v02")] == plain
    assert max(map(len, plain)) > 4 and len({len(ids) for ids in plain}) > 1


def test_tiny_model_loss_falls(schema):
    torch.manual_seed(0)
    doc = synthetic_document()
    config = tiny_config("--train.encoder_lr=3e-3", "--train.head_lr=3e-3")
    model, tokenizer = tiny_model(schema, [doc])
    windows, _, _ = training_windows([doc], tokenizer, schema, window_length=64, window_stride=8, normalization="arabert_v02")
    batch = collate_windows(windows, tokenizer.pad_token_id, len(schema.relation_names))
    optimizer = make_optimizer(model, config)
    model.train()
    losses = []
    for _ in range(30):
        out = model(**batch)
        out.loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(out.loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_save_and_load_give_identical_predictions(schema, tmp_path):
    from models.joint import JointModel
    from train.fit.checkpoint import save_model

    doc = synthetic_document()
    model, tokenizer = tiny_model(schema, [doc])
    save_model(model, tokenizer, tmp_path / "model")
    assert (tmp_path / "model" / "model.safetensors").exists()
    assert (tmp_path / "model" / "tokenizer.json").exists()
    reloaded = JointModel.from_pretrained(tmp_path / "model")
    assert reloaded.config.id2label == {i: label for i, label in enumerate(schema.bio_labels)}
    assert reloaded.config.relation_names == schema.relation_names
    before = Predictor(model, tokenizer).predict([TEXT])
    after = Predictor.from_run(tmp_path, device="cpu").predict([TEXT])
    assert [d.to_dict() for d in before] == [d.to_dict() for d in after]


def test_length_grouped_batches_are_deterministic_and_complete():
    lengths = [5, 50, 7, 48, 6, 49, 30, 31] * 5
    sampler = LengthGroupedBatches(lengths, batch_size=4, seed=1, group=2)
    first = list(sampler)
    assert sorted(i for b in first for i in b) == list(range(len(lengths)))
    assert list(sampler) == first
    sampler.epoch = 1
    assert list(sampler) != first


@pytest.mark.parametrize("levels", ["longest pair", "window width (as on a GPU)"])
def test_between_states_is_the_max_over_the_positions_between_mentions(levels, monkeypatch):
    from models import joint
    from models.joint import JointModel, Mentions

    if levels != "longest pair":
        monkeypatch.setattr(joint, "longest_run", lambda length, hidden: hidden.size(1))

    torch.manual_seed(0)
    hidden = torch.randn(3, 40, 5, requires_grad=True)
    starts, ends = torch.tensor([1, 5, 12, 0, 39, 3, 30, 8]), torch.tensor([2, 7, 12, 0, 39, 3, 38, 9])
    window = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2])
    mentions = Mentions(window, starts, ends, torch.zeros(8, dtype=torch.long))
    heads, tails = torch.tensor([0, 1, 0, 2, 3, 5, 6, 1, 7, 4]), torch.tensor([1, 2, 2, 0, 4, 6, 5, 0, 6, 3])
    pooled = JointModel.between_states(None, hidden, mentions, heads, tails)
    for row, (h, t) in enumerate(zip(heads.tolist(), tails.tolist())):
        lo, hi = min(ends[h], ends[t]) + 1, max(starts[h], starts[t])
        expected = hidden[window[h], lo:hi].max(dim=0).values if hi > lo else torch.zeros(5)
        torch.testing.assert_close(pooled[row], expected)
    pooled.sum().backward()
    assert hidden.grad.abs().sum() > 0


def test_pad_rows_rounds_the_width_up_and_marks_only_real_positions():
    from models.joint import pad_rows

    values, mask = pad_rows([[5, 6, 7], [8]], pad_value=-1, multiple=4)
    assert values.tolist() == [[5, 6, 7, -1], [8, -1, -1, -1]]
    assert mask.tolist() == [[1, 1, 1, 0], [1, 0, 0, 0]]
    assert pad_rows([[1] * 9], 0, multiple=8)[0].shape == (1, 16)
    assert pad_rows([[1] * 9], 0)[0].shape == (1, 9)


"""Randomly initialised models of production sizes, saved as run folders the benchmarks load.

    python bench/random_model.py base runs/bench-base   # writes runs/bench-base/model/

Speed depends on the encoder's shape, not on its weights, so a random encoder of AraBERT's
size (BERT-base, 64k vocabulary) stands in for the weights that cannot be downloaded here.
The tokenizer is the tiny recipe's WordPiece, trained on the seed texts (its ids fit any of
these vocabularies). The token head's bias on `O` is set so that about `ENTITY_SHARE` of the
subwords get an entity tag, as in real news, so the relation head sees a realistic number
of candidate pairs instead of the thousands a uniform random tagger would make.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIZES = {
    # AraBERT v0.2 base: BERT-base with a 64k vocabulary
    "base": dict(vocab_size=64000, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
                 intermediate_size=3072, max_position_embeddings=512),
    # the default recipe's encoder shape (multilingual-e5-small, vocabulary pruned as the recipe does)
    "e5-shape": dict(vocab_size=64000, hidden_size=384, num_hidden_layers=12, num_attention_heads=12,
                     intermediate_size=1536, max_position_embeddings=512),
}
ENTITY_SHARE = 0.08
WINDOW_LENGTH, WINDOW_STRIDE = 512, 128


def seed_tokenizer():
    """The tiny recipe's WordPiece (proclitics split), trained on every seed text."""
    from models.encoders import train_wordpiece
    from train.data.normalize import normalize
    from train.data.text import PROCLITICS, sentence_spans

    texts = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        texts += [normalize(text[s:e], "arabert_v02").text for s, e in sentence_spans(text)]
    return train_wordpiece(texts, 8000, 2, "".join(PROCLITICS))


def random_joint_model(size: str, seed: int = 0):
    """(JointModel with a random encoder of `size`, its tokenizer)."""
    import torch
    from transformers import BertConfig, BertModel

    from models.joint import JointModel
    from train.data.schema import load_schema

    torch.manual_seed(seed)
    encoder = BertModel(BertConfig(**SIZES[size]), add_pooling_layer=False)
    model = JointModel.from_encoder(encoder, schema=load_schema().to_dict(), window_length=WINDOW_LENGTH,
                                    window_stride=WINDOW_STRIDE, normalization="arabert_v02")
    tokenizer = seed_tokenizer()
    calibrate_entity_share(model, tokenizer)
    return model.eval(), tokenizer


def calibrate_entity_share(model, tokenizer) -> None:
    """Raise the `O` logit's bias until about ENTITY_SHARE of the seed subwords are tagged."""
    import torch

    texts = [p.read_text(encoding="utf-8")[:1500] for p in sorted((ROOT / "seeds").glob("*.txt"))[:8]]
    batch = tokenizer(texts, truncation=True, max_length=256, padding=True, return_tensors="pt")
    with torch.inference_mode():
        logits = model.token_logits(model.encode(batch["input_ids"], batch["attention_mask"]))
    logits = logits[batch["attention_mask"].bool()]
    outside = model.config.label2id["O"]
    margin = logits.masked_fill(torch.arange(logits.shape[-1]) == outside, float("-inf")).max(-1).values - logits[:, outside]
    with torch.no_grad():
        model.token_head.bias[outside] += torch.quantile(margin, 1 - ENTITY_SHARE)


def save_random_run(size: str, run_dir: Path) -> Path:
    """`run_dir/model/` holding a random model of `size` (kept when already there)."""
    from train.fit.checkpoint import save_model

    if not (run_dir / "model" / "config.json").exists():
        model, tokenizer = random_joint_model(size)
        save_model(model, tokenizer, run_dir / "model")
    return run_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("run_dir", type=Path)
    args = parser.parse_args()
    print(save_random_run(args.size, args.run_dir))


if __name__ == "__main__":
    main()

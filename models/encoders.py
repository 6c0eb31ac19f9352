"""Where the encoder and its tokenizer come from.

- A pretrained encoder (AraBERT `aubmindlab/bert-base-arabertv02`, by hub id or local
  directory) is loaded with `AutoModel` / `AutoTokenizer`.
- The offline default, `tiny`, trains a WordPiece tokenizer on the training texts with
  the `tokenizers` library and builds a small BERT from scratch.
"""

from __future__ import annotations

from typing import Iterable

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import AutoModel, AutoTokenizer, BertConfig, BertModel, PreTrainedModel, PreTrainedTokenizerFast

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
TINY = "tiny"


def train_wordpiece(texts: Iterable[str], vocab_size: int, min_frequency: int = 1,
                    proclitics: str = "") -> PreTrainedTokenizerFast:
    """A BERT-style WordPiece tokenizer trained on `texts` (already normalized).

    With `proclitics` (letters such as "وفبكل"), a word's first letter is its own piece when
    it is one of them and at least two letters follow, so that a name fused to a proclitic
    (لقوات، للحسكة) still starts on a subword boundary.
    """
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                                      strip_accents=False, lowercase=False)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    if proclitics:
        split = pre_tokenizers.Split(Regex(f"^[{proclitics}](?=[^\\s]{{2,}})"), behavior="isolated")
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([tokenizer.pre_tokenizer, split])
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                        special_tokens=SPECIAL_TOKENS, show_progress=False)
    tokenizer.train_from_iterator(texts, trainer)
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tokenizer.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")


def tiny_encoder(vocab_size: int, hidden_size: int, num_layers: int, num_heads: int,
                 intermediate_size: int, max_length: int) -> BertModel:
    """A small BERT initialised from scratch (no pretrained weights exist offline)."""
    config = BertConfig(vocab_size=vocab_size, hidden_size=hidden_size, num_hidden_layers=num_layers,
                        num_attention_heads=num_heads, intermediate_size=intermediate_size,
                        max_position_embeddings=max_length, type_vocab_size=1)
    return BertModel(config, add_pooling_layer=False)


def pretrained_encoder(name_or_path: str) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """A pretrained encoder and its fast tokenizer from a hub id or a local directory."""
    tokenizer = AutoTokenizer.from_pretrained(name_or_path)
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(f"{name_or_path}: a fast tokenizer is needed for character offsets")
    encoder = AutoModel.from_pretrained(name_or_path, add_pooling_layer=False)
    return encoder, tokenizer

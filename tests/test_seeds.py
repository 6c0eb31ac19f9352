"""The seed articles are byte-for-byte copies, checked against the committed manifest."""

import hashlib

from conftest import ROOT


def test_seed_checksums_match_manifest():
    manifest = {}
    for line in (ROOT / "seeds" / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        manifest[name.lstrip("*")] = digest
    files = sorted(p.name for p in (ROOT / "seeds").glob("*.txt"))
    assert files == sorted(manifest), "seeds/ and SHA256SUMS list different files"
    assert len(files) == 30
    for name in files:
        assert hashlib.sha256((ROOT / "seeds" / name).read_bytes()).hexdigest() == manifest[name], name


def test_every_seed_has_an_annotation_file():
    stems = {p.stem for p in (ROOT / "seeds").glob("*.txt")}
    assert stems == {p.stem for p in (ROOT / "annotations").glob("*.json")}


def test_the_selection_rule_picks_the_committed_corpus_articles():
    import subprocess
    import sys

    import yaml

    corpus = ROOT.parent / "shared" / "corpus" / "syria_news.jsonl"
    if not corpus.is_file():
        import pytest
        pytest.skip("the shared corpus is not next to this clone")
    chosen = subprocess.run([sys.executable, str(ROOT / "seeds" / "select_articles.py"), str(corpus)],
                            capture_output=True, text=True, check=True).stdout.split()
    listed = [a["corpus_id"] for a in yaml.safe_load((ROOT / "seeds" / "SOURCES.yaml").read_text())["articles"]]
    assert chosen == listed and len(listed) == 25

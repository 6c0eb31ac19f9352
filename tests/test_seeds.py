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
    assert len(files) == 5
    for name in files:
        assert hashlib.sha256((ROOT / "seeds" / name).read_bytes()).hexdigest() == manifest[name], name


def test_every_seed_has_an_annotation_file():
    stems = {p.stem for p in (ROOT / "seeds").glob("*.txt")}
    assert stems == {p.stem for p in (ROOT / "annotations").glob("*.json")}

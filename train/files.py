"""Writing files without destroying what the user owns.

- `check_output_file`: an output path must be a regular file (or not exist yet); a
  symlink, FIFO, device or folder there is refused, never replaced.
- `exclusive`: an advisory lock (`filelock`) next to an output, so a second writer stops
  with a message naming the process that holds it instead of interleaving records.
- `safe_filename`: the one way a document id becomes a file name.
- `file_sha256`: a file's hash, read in pieces (provenance of models and outputs).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import stat
import time
import unicodedata
from pathlib import Path

from filelock import FileLock, Timeout


class OutputError(ValueError):
    """An output path cannot be written safely; the message names the path and the reason."""


def check_output_file(path: Path) -> None:
    """Refuse anything at `path` that is not a regular file (following no symlink)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        kind = ("a symbolic link" if stat.S_ISLNK(mode) else "a folder" if stat.S_ISDIR(mode)
                else "a FIFO" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "not a regular file")
        raise OutputError(f"{path}: is {kind}; refusing to replace it (choose another output path)")


def _owner_path(lock: Path) -> Path:
    return lock.with_name(lock.name + ".owner")


@contextlib.contextmanager
def exclusive(target: Path, what: str):
    """Hold `<target>.lock` while writing `target`; OutputError names the holder if taken."""
    lock_path = Path(str(target) + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        try:
            holder = json.loads(_owner_path(lock_path).read_text(encoding="utf-8"))
            who = f"process {holder['pid']} on {holder['host']} ({holder['what']}, since {holder['since']})"
        except (OSError, ValueError, KeyError):
            who = "another process"
        raise OutputError(f"{target}: {who} is writing it (lock {lock_path}); wait for it or choose another path") from None
    owner = _owner_path(lock_path)
    owner.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "what": what,
                                 "since": time.strftime("%Y-%m-%d %H:%M:%S")}), encoding="utf-8")
    try:
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()
        lock_path.unlink(missing_ok=True)


def safe_filename(doc_id: str) -> str:
    """`doc_id` as a file name, or ValueError: no path separator, no `.`/`..`, no absolute
    path, no control or invisible format character, at most 200 characters."""
    problems = []
    if not doc_id or doc_id in (".", ".."):
        problems.append("is empty, '.' or '..'")
    if "/" in doc_id or "\\" in doc_id or os.sep in doc_id:
        problems.append("contains a path separator")
    if doc_id.startswith("..") or Path(doc_id).is_absolute():
        problems.append("would leave the output folder")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in doc_id):
        problems.append("contains a control or invisible character")
    if len(doc_id) > 200:
        problems.append("is longer than 200 characters")
    if problems:
        raise ValueError(f"document id {doc_id!r} cannot be a file name: it {' and '.join(problems)}")
    return doc_id


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in `chunk`-byte pieces. Raises OSError."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()

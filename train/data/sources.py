"""`seeds/SOURCES.yaml`: where the corpus articles of the gold come from (outlet, date,
corpus record, licence, split), read in one place for the reports and the cards."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from .schema import PROJECT_DIR

SOURCES_FILE = PROJECT_DIR / "seeds" / "SOURCES.yaml"


@lru_cache(maxsize=4)
def read_sources(path: Path = SOURCES_FILE) -> dict:
    """The parsed file (`outlets`: name -> description, `articles`: one dict per article);
    {} when it is missing. Cached: callers must not change what it returns."""
    path = Path(path)
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}

"""glibc's allocator set for batch inference on the CPU.

By default glibc's malloc serves every block above its mmap threshold (128 KiB, raised
dynamically up to 32 MiB) with a fresh `mmap` and returns it to the system when freed, so
each forward pass pays page faults again for its large temporaries: a batch of 32 windows of
128 subwords makes 25 MB float tensors in every feed-forward layer, and the int8 path makes
several per layer (quantized inputs, int32 products, their rescaling). Keeping such blocks
in the heap and freed memory in the process is what PyTorch's CPU performance guide gets by
preloading jemalloc or tcmalloc; glibc offers it through `mallopt` (M_MMAP_THRESHOLD,
M_TRIM_THRESHOLD; see mallopt(3)). The cost: the process keeps its peak memory until it
exits, which a batch job does anyway. Measured by `bench/inference.py` (the default model,
2 CPU threads, one run): the pipeline given this setting ran 2.4 documents/s instead of
2.2; `bench/int8.py` gave 1.66x before it and 1.90x after (two runs, on different occasions).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
KEEP_BELOW = 1 << 30
"""Blocks below 1 GiB come from the heap; the heap is trimmed only above 1 GiB free."""


@lru_cache(maxsize=1)
def keep_freed_memory() -> bool:
    """Ask glibc's malloc to keep large blocks and freed memory in the process (module
    docstring). Once per process; True when glibc accepted both settings, False on a C
    library without `mallopt` (macOS, musl) or when it refused them."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, KEEP_BELOW)) and bool(mallopt(M_TRIM_THRESHOLD, KEEP_BELOW))

"""Fewer C heaps for the stand-in's many threads (memory only).

glibc's malloc gives threads that allocate at the same moment heaps (arenas) of their own,
up to eight per core. The embedded stack runs every Lambda invocation, Step Functions
worker and Distributed Map batch as a thread of one process, so freed memory ends up spread
over many arenas, none of which can hand it back: a 100,000-row `roster local run` peaked
44 MiB higher with glibc's default than with two arenas (bench/RESULTS.md). Python's own
small-object allocator is not affected; larger buffers (request bodies, JSON, CSV text) are.

A Lambda function runs alone in its own process, so production code has nothing to set."""

from __future__ import annotations

import ctypes
import ctypes.util

M_ARENA_MAX = -8  # glibc's malloc.h
STAND_IN_ARENAS = 2


def limit_malloc_arenas(arenas: int = STAND_IN_ARENAS) -> bool:
    """Cap glibc's malloc arenas for threads started from now on; False where the C library
    is not glibc (macOS, musl), which is left as it is."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_ARENA_MAX, arenas))

"""The stand-in caps glibc's malloc arenas for its threads, and leaves other C libraries be."""

from __future__ import annotations

import platform

import pytest

from roster_local.stack import malloc_arenas
from roster_local.stack.malloc_arenas import limit_malloc_arenas


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt's M_ARENA_MAX is glibc's")
def test_given_glibc_when_limited_then_malloc_accepts_the_cap():
    assert limit_malloc_arenas() is True


def test_given_no_c_library_found_when_limited_then_nothing_is_set(monkeypatch):
    monkeypatch.setattr(malloc_arenas.ctypes.util, "find_library", lambda name: None)

    assert limit_malloc_arenas() is False


def test_given_a_c_library_without_mallopt_when_limited_then_nothing_is_set(monkeypatch):
    class NoMallopt:
        def __init__(self, name: str) -> None:
            pass

    monkeypatch.setattr(malloc_arenas.ctypes, "CDLL", NoMallopt)

    assert limit_malloc_arenas() is False

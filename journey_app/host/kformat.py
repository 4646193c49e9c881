"""Owns the printk conversions (%li, %#lx, %p, %u) kill messages use, as an i386 2.6.31 kernel prints them.
Must not decide anything; kill reasons must match the kernel's text exactly.
"""

from __future__ import annotations


def li(value: int) -> str:
    """%li / %i of a 32-bit `unsigned long`/`u32`: the bits read as a signed number."""
    value &= 0xFFFFFFFF
    return str(value - (1 << 32) if value & 0x80000000 else value)


def u(value: int) -> str:
    """%u / %lu."""
    return str(value & 0xFFFFFFFF)


def hash_lx(value: int) -> str:
    """%#lx: C's alternate form adds "0x" only to nonzero values, so 0 prints as "0"."""
    value &= 0xFFFFFFFF
    return f"{value:#x}" if value else "0"


def pointer(value: int | None) -> str:
    """%p in lib/vsprintf.c pointer(): NULL prints "(null)"; others 8 zero-padded lowercase hex digits.

    The 2.6.31 Host is i386-only, so a pointer is 32 bits wide. Derived from vsprintf.c; the exact
    padding of "(null)" in 2.6.31 is UNVERIFIED (later kernels pad it to pointer width).
    """
    if value is None:
        return "(null)"
    return f"{value & 0xFFFFFFFF:08x}"

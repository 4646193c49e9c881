"""`WriteLog`: every guest store (EIP, address, size, old and new value), for the trace, rewinds and dirty pages.
Owns the UC_HOOK_MEM_WRITE hook: native (writelog.c, compiled here for the host) or, without a C compiler,
the same record made in Python. Must not emit events or decide what a write means.

The native log exists for speed: boot.c writes its stack on most instructions, and a Python call per
store held a long native run through C at ~1/50 of the assembler's rate (issue 14). Both logs record
the same tuples in the same order (tests/guest/test_writelog.py runs them side by side).
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from unicorn import UC_HOOK_CODE, UC_HOOK_MEM_WRITE
from unicorn.x86_const import UC_X86_REG_EIP

from ..toolchain import PAGE_OFFSET
from .memory import PAGE_SHIFT, RAM_SIZE, GuestRam, to_phys

log = logging.getLogger(__name__)

_UCLIB: Any
try:                                    # the binding's own C library: uc_hook_add with a C callback
    from unicorn.unicorn_py3.unicorn import uclib as _UCLIB
except ImportError:                     # another binding layout: the Python hook only
    _UCLIB = None

SOURCE = Path(__file__).with_name("writelog.c")
RECORD = struct.Struct("<III4xQQ")      # struct record in writelog.c (4 bytes reserved)
PAGES = RAM_SIZE >> PAGE_SHIFT
KEEP_RECORDS = 1 << 13                  # after a long run, a buffer past this many records (256 KiB) goes back
CC_SECONDS = 60

Record = tuple[int, int, int, int, int]   # (eip, address, size, old, new)


class _Log(ctypes.Structure):
    """struct writelog in writelog.c (wl_sizeof() is checked against this at load)."""

    _fields_ = [("ram", ctypes.c_void_p), ("ram_size", ctypes.c_uint64), ("page_offset", ctypes.c_uint64),
                ("reg_read", ctypes.c_void_p), ("eip_id", ctypes.c_int32), ("failed", ctypes.c_int32),
                ("records", ctypes.c_void_p), ("count", ctypes.c_uint64), ("capacity", ctypes.c_uint64),
                ("seen", ctypes.c_void_p), ("exec", ctypes.c_void_p), ("pages", ctypes.c_void_p),
                ("npages", ctypes.c_uint64), ("insns", ctypes.c_uint64), ("dropped", ctypes.c_uint64)]


# -- building and loading the native hook -----------------------------------------------------------------

_LOCK = threading.Lock()
_LIBRARY: ctypes.CDLL | None = None
_WHY_NOT: str | None = None             # why the native log is not used (None: not tried yet, or it is)


def _private_dir() -> Path:
    """A per-user folder no one else can write: a shared /tmp must not let another user plant the library.
    lstat, not stat: a symlink in sticky /tmp belongs to whoever made it, who could point it at a private
    folder of ours for the check and at their own before the library is written or loaded."""
    folder = Path(tempfile.gettempdir()) / f"journey-native-{os.getuid()}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
        raise OSError(f"{folder} is not private to this user (a folder of ours, not a symlink)")
    return folder


FLAGS = ("-O2", "-shared", "-fPIC", "-std=c99", "-Wall")
# Where an installer (the container image's build, as root) puts the library ahead of time: beside the code, so
# it is exactly as trusted as the Python that loads it, and a read-only or noexec /tmp does not matter.
PREBUILT_DIR = Path(__file__).with_name("_prebuilt")


def _compiler() -> str:
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise OSError("no C compiler (cc or gcc) on PATH")
    return cc


def _library_name(cc: str) -> str:
    digest = hashlib.sha256(SOURCE.read_bytes() + " ".join([cc, *FLAGS]).encode()).hexdigest()[:20]
    return f"writelog-{digest}.so"


def _build(cc: str, target: Path) -> Path:
    """Compile writelog.c to `target` unless it is there; atomic, so workers compiling at once all load a whole
    file."""
    if not target.exists():
        fd, scratch = tempfile.mkstemp(suffix=".so", dir=target.parent)
        os.close(fd)
        try:
            done = subprocess.run([cc, *FLAGS, "-o", scratch, str(SOURCE)], capture_output=True, text=True,
                                  timeout=CC_SECONDS, check=False)
            if done.returncode != 0:
                raise OSError(f"{cc} failed: {done.stderr.strip()[:500]}")
            os.chmod(scratch, 0o755)
            os.replace(scratch, target)
        finally:
            if os.path.exists(scratch):
                os.unlink(scratch)
    return target


def _compile(prebuilt_dir: Path = PREBUILT_DIR) -> Path:
    """The library for this source and compiler: the installer's prebuilt copy if there is one, else one
    compiled once per user in a private folder under the temp dir."""
    cc = _compiler()
    name = _library_name(cc)
    if (prebuilt_dir / name).is_file():
        return prebuilt_dir / name
    return _build(cc, _private_dir() / name)


def prebuild(folder: Path = PREBUILT_DIR) -> Path:
    """Compile the library into `folder` (default: beside this module) for an installer to run once, e.g. the
    container image's build (`python -m journey_app.guest.writelog`)."""
    folder.mkdir(parents=True, exist_ok=True)
    cc = _compiler()
    return _build(cc, folder / _library_name(cc))


def _load() -> ctypes.CDLL:
    if _UCLIB is None:
        raise OSError("the unicorn binding does not expose its C library")
    if sys.byteorder != "little":
        raise OSError("the native log copies guest bytes as a little-endian host")
    lib = ctypes.CDLL(str(_compile()))
    lib.wl_sizeof.restype = ctypes.c_uint64
    if lib.wl_sizeof() != ctypes.sizeof(_Log):
        raise OSError("writelog.c and its ctypes mirror disagree on the struct layout")
    lib.wl_rewind.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
    lib.wl_touches_exec.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
    lib.wl_touches_exec.restype = ctypes.c_int
    lib.wl_take_pages.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.wl_take_pages.restype = ctypes.c_uint64
    lib.wl_clear.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
    lib.wl_compact.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
    return lib


def native_library() -> ctypes.CDLL | None:
    """The compiled hook, built once per user and source; None (and native_status() says why) if it cannot be."""
    global _LIBRARY, _WHY_NOT
    with _LOCK:
        if _LIBRARY is None and _WHY_NOT is None:
            if os.environ.get("JOURNEY_NATIVE_WRITELOG", "1") == "0":
                _WHY_NOT = "turned off by JOURNEY_NATIVE_WRITELOG=0"
            else:
                try:
                    _LIBRARY = _load()
                except (OSError, subprocess.SubprocessError) as exc:
                    _WHY_NOT = str(exc)
                    log.warning("guest writes are logged in Python (slower): %s", _WHY_NOT)
        return _LIBRARY


def native_status() -> tuple[bool, str]:
    lib = native_library()
    return (True, "native (writelog.c)") if lib is not None else (False, _WHY_NOT or "unknown")


# -- the two logs ----------------------------------------------------------------------------------------


class WriteLog:
    """What both logs offer Machine. Records are (eip, address, size, old, new), in store order."""

    failed = 0

    def install(self, uc) -> None:
        raise NotImplementedError

    def start_counting(self) -> None:
        """Zero the instruction counter before a run (the Python log has none)."""

    def counted(self) -> int | None:
        """Instructions the last run began, by the code hook's count; None without one. A hint only."""
        return None

    def __len__(self) -> int:
        raise NotImplementedError

    def records(self, first: int = 0, last: int | None = None) -> list[Record]:
        """Records [first, last) (last None: to the end)."""
        raise NotImplementedError

    def rewind(self, keep: int) -> None:
        """Put back the old bytes of the records after `keep`, newest first, and forget them."""
        raise NotImplementedError

    def touches_exec(self, first: int) -> bool:
        raise NotImplementedError

    def take_pages(self) -> list[int]:
        """RAM pages stored to since the last call."""
        raise NotImplementedError

    def compact(self, keep: int) -> None:
        """Keep the first `keep` records; count the others (they can no longer be rewound)."""
        raise NotImplementedError

    def dropped(self) -> int:
        """Records compact() let go since the last clear()."""
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError


class NativeWriteLog(WriteLog):
    def __init__(self, ram: GuestRam, lib: ctypes.CDLL):
        self.lib = lib
        self.ram = ram
        self._seen = (ctypes.c_uint8 * PAGES)()
        self._pages = (ctypes.c_uint32 * PAGES)()
        self._out = (ctypes.c_uint32 * PAGES)()
        self._exec = (ctypes.c_uint8 * PAGES)(*(1 if p in ram.exec_pages else 0 for p in range(PAGES)))
        self.log = _Log(ram=ram.address, ram_size=RAM_SIZE, page_offset=PAGE_OFFSET,
                        reg_read=ctypes.cast(_UCLIB.uc_reg_read, ctypes.c_void_p), eip_id=UC_X86_REG_EIP,
                        seen=ctypes.addressof(self._seen), exec=ctypes.addressof(self._exec),
                        pages=ctypes.addressof(self._pages))
        self.ref = ctypes.addressof(self.log)

    def install(self, uc) -> None:
        for kind, function in ((UC_HOOK_MEM_WRITE, self.lib.wl_on_write), (UC_HOOK_CODE, self.lib.wl_on_code)):
            handle = ctypes.c_size_t()
            status = _UCLIB.uc_hook_add(uc._uch, ctypes.byref(handle), kind, ctypes.cast(function, ctypes.c_void_p),
                                        ctypes.c_void_p(self.ref), ctypes.c_uint64(1), ctypes.c_uint64(0))
            if status != 0:
                raise OSError(f"uc_hook_add failed ({status})")

    def start_counting(self) -> None:
        self.log.insns = 0

    def counted(self) -> int | None:
        return self.log.insns

    @property
    def failed(self) -> int:        # type: ignore[override]
        return self.log.failed

    def __len__(self) -> int:
        return self.log.count

    def records(self, first: int = 0, last: int | None = None) -> list[Record]:
        count = self.log.count if last is None else min(last, self.log.count)
        if first >= count:
            return []
        raw = ctypes.string_at(self.log.records + first * RECORD.size, (count - first) * RECORD.size)
        return list(RECORD.iter_unpack(raw))

    def rewind(self, keep: int) -> None:
        self.lib.wl_rewind(self.ref, keep)

    def touches_exec(self, first: int) -> bool:
        return bool(self.lib.wl_touches_exec(self.ref, first))

    def take_pages(self) -> list[int]:
        if not self.log.npages:
            return []
        n = self.lib.wl_take_pages(self.ref, self._out)
        return self._out[:n]

    def compact(self, keep: int) -> None:
        self.lib.wl_compact(self.ref, keep)

    def dropped(self) -> int:
        return self.log.dropped

    def clear(self) -> None:
        self.lib.wl_clear(self.ref, KEEP_RECORDS)

    def __del__(self):
        if getattr(self, "lib", None) is not None:
            self.lib.wl_clear(self.ref, 0)      # free the records buffer


class PythonWriteLog(WriteLog):
    """The same log from a Python hook (one call per store): used where the native one cannot be built."""

    def __init__(self, ram: GuestRam, eip: Callable[[Any], int]):
        self.ram = ram
        self._eip = eip
        self._records: list[Record] = []
        self._pages: dict[int, None] = {}
        self._dropped = 0

    def install(self, uc) -> None:
        uc.hook_add(UC_HOOK_MEM_WRITE, self._on_write)

    def _on_write(self, uc, access, address, size, value, user_data):
        phys = to_phys(address)
        if phys is None or phys + size > RAM_SIZE:
            return
        old = int.from_bytes(self.ram.view[phys:phys + size], "little")
        self._records.append((self._eip(uc), address, size, old, value & ((1 << 8 * size) - 1)))
        self._pages[phys >> PAGE_SHIFT] = None
        self._pages[(phys + size - 1) >> PAGE_SHIFT] = None

    def __len__(self) -> int:
        return len(self._records)

    def records(self, first: int = 0, last: int | None = None) -> list[Record]:
        return self._records[first:last]

    def rewind(self, keep: int) -> None:
        view = self.ram.view
        for _, address, size, old, _ in reversed(self._records[keep:]):
            phys = to_phys(address)
            assert phys is not None             # only stores that reached RAM are logged
            view[phys:phys + size] = old.to_bytes(size, "little")
        del self._records[keep:]

    def touches_exec(self, first: int) -> bool:
        exec_pages = self.ram.exec_pages
        for _, address, size, _, _ in self._records[first:]:
            phys = to_phys(address)
            if phys is not None and (phys >> PAGE_SHIFT in exec_pages or phys + size - 1 >> PAGE_SHIFT in exec_pages):
                return True
        return False

    def take_pages(self) -> list[int]:
        pages = list(self._pages)
        self._pages.clear()
        return pages

    def compact(self, keep: int) -> None:
        if len(self._records) > keep:
            self._dropped += len(self._records) - keep
            del self._records[keep:]

    def dropped(self) -> int:
        return self._dropped

    def clear(self) -> None:
        self._records.clear()
        self._dropped = 0


def make_log(ram: GuestRam, eip: Callable[[Any], int], native: bool | None = None) -> WriteLog:
    """The native log when it can be built (native=None) or when asked (True: raise if it cannot)."""
    if native is False:
        return PythonWriteLog(ram, eip)
    lib = native_library()
    if lib is None:
        if native:
            raise OSError(f"the native write log is not available: {native_status()[1]}")
        return PythonWriteLog(ram, eip)
    return NativeWriteLog(ram, lib)


if __name__ == "__main__":
    print(prebuild())

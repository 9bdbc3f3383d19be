"""Atomic export folders: an export is written into a temporary folder beside its target and
renamed into place only when complete, so a failed or killed export leaves the target as it
was (absent, or the previous complete export) and never a mix of old and new files.

Replacing an existing export swaps the two folders in one `renameat2(RENAME_EXCHANGE)` call
on Linux (the target is the old or the new export at every instant); elsewhere the old folder
is renamed aside, the new one renamed in, the old one removed (a kill between the two renames
leaves the target absent and the old export in its aside folder, never a partial one).

Temporary folders are named `.<target>.pointlabel-tmp-<pid>-<hex>` (and `...-old-...` for the
aside folder); `is_temporary` recognises them so `pointlabel info` refuses to open one, and
the next export of the same target removes those left by processes that no longer run. An
existing target is replaced only when it is a previous export (it holds `MARKER`, or nothing
but what the exporter writes): never a folder holding anything else.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import fnmatch
import json
import os
import re
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path

from pointlabel.errors import PointlabelError

MARKER = ".pointlabel-export.json"
_TEMP = re.compile(r"^\..+\.pointlabel-(tmp|old)-(\d+)-[0-9a-f]+(\.[A-Za-z0-9]+)?$")
_RENAME_EXCHANGE = 2


def is_temporary(path: str | Path) -> bool:
    """`path` or one of its parents is an export's temporary (unfinished or aside) folder."""
    return any(_TEMP.match(part) for part in Path(path).parts)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(target: Path) -> list[Path]:
    """Remove temporary folders of `target` left by export processes that no longer run."""
    removed = []
    parent = target.parent
    if not parent.is_dir():
        return removed
    prefix = f".{target.name}.pointlabel-"
    for p in parent.iterdir():
        m = _TEMP.match(p.name)
        if p.name.startswith(prefix) and m and not _alive(int(m[2])) and not p.is_symlink():
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            removed.append(p)
    return removed


def check_replaceable(target: Path, expected: set[str]) -> None:
    """Refuse a target that exists and is not a previous export (before anything is written).

    expected: glob patterns of the names (files or folders at the top level) an export holds."""
    if not target.exists() and not target.is_symlink():
        return
    if target.is_symlink() or not target.is_dir():
        raise PointlabelError("output exists and is not a folder; choose another --out", target)
    names = [p.name for p in target.iterdir()]
    if MARKER in names:
        return
    foreign = [n for n in names if not any(fnmatch.fnmatchcase(n, e) for e in expected)]
    if foreign:
        raise PointlabelError(f"output folder holds files that are not a pointlabel export "
                              f"({', '.join(sorted(foreign)[:3])}); choose a new or empty --out", target)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    try:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    AT_FDCWD = -100
    rc = renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """Flush every file and folder of a finished export to disk before it is renamed in."""
    for folder, _, files in os.walk(root):
        for name in files:
            try:
                fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(folder))


@contextmanager
def atomic_folder(target: str | Path, expected: set[str], meta: dict | None = None,
                  carry: tuple[str, ...] = ()):
    """Yield a fresh temporary folder beside `target`; on a clean exit it becomes `target`
    (replacing a previous export), on an exception it is removed and `target` is untouched.
    expected: glob patterns of what an export holds at the top level (see check_replaceable);
    meta: written as MARKER into the finished export; carry: glob patterns of files of the
    previous export copied into the new one (files other writers keep there)."""
    target = Path(target).absolute()
    check_replaceable(target, expected)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise PointlabelError(f"cannot create the output's folder: {e.strerror}", target.parent) from None
    remove_stale_temporaries(target)
    tag = f"{os.getpid()}-{secrets.token_hex(4)}"
    tmp = target.parent / f".{target.name}.pointlabel-tmp-{tag}"
    try:
        tmp.mkdir()
    except OSError as e:
        raise PointlabelError(f"cannot write beside the output: {e.strerror}", target.parent) from None
    try:
        yield tmp
        _carry_over(target, tmp, carry)
        (tmp / MARKER).write_text(json.dumps({"complete": True, **(meta or {})}, indent=1))
        _fsync_tree(tmp)
        _install(tmp, target, tag)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def atomic_file(target: str | Path):
    """Yield a temporary path beside `target` (same suffix); on a clean exit it replaces
    `target` in one rename, on an exception it is removed."""
    target = Path(target).absolute()
    if target.is_dir():
        raise PointlabelError("output is a folder; give a file name", target)
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(target)
    tmp = target.parent / f".{target.name}.pointlabel-tmp-{os.getpid()}-{secrets.token_hex(4)}{target.suffix}"
    try:
        yield tmp
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _carry_over(target: Path, tmp: Path, patterns: tuple[str, ...]) -> None:
    if not patterns or not target.is_dir():
        return
    for p in target.iterdir():
        if p.is_file() and not p.is_symlink() and not (tmp / p.name).exists() \
                and any(fnmatch.fnmatchcase(p.name, pat) for pat in patterns):
            shutil.copy2(p, tmp / p.name)


def _install(tmp: Path, target: Path, tag: str) -> None:
    """Put the finished `tmp` in place of `target` (see the module docstring)."""
    if not target.exists():
        os.rename(tmp, target)
    elif _exchange(tmp, target):  # tmp now holds the old export
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        old = target.parent / f".{target.name}.pointlabel-old-{tag}"
        os.rename(target, old)
        os.rename(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(target.parent)


def _renamed(value, tmp: Path, final: Path):
    """A result (dict / list / str) with paths inside `tmp` named as they are after the rename."""
    if isinstance(value, dict):
        return {k: _renamed(v, tmp, final) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, tmp, final) for v in value]
    if isinstance(value, str) and value.startswith(str(tmp)):
        return str(final) + value[len(str(tmp)):]
    return value


def export_folder(run, args, expected: set[str], fmt: str):
    """Run a registry exporter `run(args)` into a temporary folder that becomes `args.out`
    (atomic_folder); its result names the final paths."""
    from argparse import Namespace
    final = Path(args.out).absolute()
    with atomic_folder(final, expected | {MARKER}, {"format": fmt}) as tmp:
        result = run(Namespace(**{**vars(args), "out": str(tmp)}))
    return _renamed(result, tmp, final)


def export_file(run, args, default_name: str):
    """Run a registry exporter that writes one file (`args.out` is the file, or a folder to
    hold `default_name`) through atomic_file."""
    from argparse import Namespace
    out = Path(args.out)
    final = (out / default_name if out.is_dir() or not out.suffix else out).absolute()
    with atomic_file(final) as tmp:
        result = run(Namespace(**{**vars(args), "out": str(tmp)}))
    return _renamed(result, tmp, final)

"""Write stage: put the rendered files in place atomically; the only stage that touches the output folder."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from .errors import OutputError, Problem


def safe_join(out: Path, relative: str) -> Path:
    """Join an output path under ``out``, refusing anything that would land outside it."""
    posix = PurePosixPath(relative)
    if posix.is_absolute() or not relative or any(part in ("", ".", "..") for part in posix.parts):
        raise OutputError(Problem(relative, message="output path escapes the output folder"))
    if "\\" in relative or "\0" in relative:
        raise OutputError(Problem(relative, message="output path contains a forbidden character"))
    return out.joinpath(*posix.parts)


def write_output(files: Mapping[str, bytes], out: Path) -> None:
    """Write ``files`` into a staging folder beside ``out``, then swap it in.

    A failure before the swap leaves the previous ``out`` as it was.
    """
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.staging-{os.getpid()}"
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for relative in sorted(files):
            target = safe_join(staging, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(files[relative])
        if out.exists():
            os.rename(out, old)
        os.rename(staging, out)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if old.exists() and not out.exists():
            os.rename(old, out)
        raise OutputError(Problem(str(out), message=f"cannot write output: {exc}")) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)

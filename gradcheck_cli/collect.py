"""Which files a run reads: each file named, and the case files below each folder named.

A folder is walked without following symlinks out of it: a symlink (to a file or a
folder) whose target lies outside the folder is skipped and said, so a case folder from
the internet cannot make gradcheck read (and echo in an error) a file elsewhere on the
machine. A file named on the command line is read wherever it points. Hidden files and
folders (a name starting with `.`) below a folder are left out.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError

SUFFIXES = (".yaml", ".yml")


@dataclass
class Collected:
    files: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # what was left out, and why


def collect(paths: Iterable[str | Path]) -> Collected:
    """Case files: each file given, and every *.yaml / *.yml below each folder, sorted."""
    found = Collected()
    for raw in paths:
        path = Path(raw)
        try:
            if path.is_dir():
                _walk(path, found)
            elif path.is_file():
                found.files.append(path)
            else:
                raise UsageError(f"{_shown(raw)}: no such file or folder")
        except OSError as exc:  # a name too long, a loop of links, no permission...
            raise UsageError(f"{_shown(raw)}: cannot read it: {exc.strerror}") from None
    found.files = list(dict.fromkeys(found.files))
    return found


def _shown(raw: str | Path) -> str:
    text = str(raw)
    return text if len(text) <= 200 else f"{text[:100]}...{text[-60:]} ({len(text)} characters)"


def _walk(root: Path, found: Collected) -> None:
    top = root.resolve()
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        here = Path(folder)
        for name in dirs:
            if (here / name).is_symlink() and not _inside(here / name, top):
                found.skipped.append(f"{here / name}: a symlink out of {root}")
        for name in sorted(files):
            path = here / name
            if name.startswith(".") or path.suffix not in SUFFIXES:
                continue
            if path.is_symlink() and not _inside(path, top):
                found.skipped.append(f"{path}: a symlink out of {root}")
            elif path.is_file():
                found.files.append(path)


def _inside(path: Path, top: Path) -> bool:
    try:
        return path.resolve().is_relative_to(top)
    except (OSError, RuntimeError):
        return False

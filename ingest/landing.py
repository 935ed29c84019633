"""The landing folder: discovering submitted files and hashing them. The landing is read-only for the pipeline."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

WORKBOOK_SUFFIXES = {".xlsx", ".xls", ".xlsm"}


@dataclass(frozen=True)
class LandedFile:
    path: Path          # absolute
    rel: str            # relative to the landing root, POSIX separators (the lineage `source_file`)
    size: int
    sha256: str

    @property
    def is_workbook(self) -> bool:
        return self.path.suffix.lower() in WORKBOOK_SUFFIXES


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def discover(landing: str | Path) -> list[LandedFile]:
    """Every regular file under the landing root, sorted by relative path (deterministic order)."""
    root = Path(landing).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"landing folder {root} does not exist")
    out: list[LandedFile] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            if not p.is_file():
                continue
            rel = p.relative_to(root).as_posix()
            out.append(LandedFile(path=p, rel=rel, size=p.stat().st_size, sha256=sha256_file(p)))
    return sorted(out, key=lambda f: f.rel)

"""Table recognisers, one module per template family. Labels and synonyms live in ``labels/`` as data.

Each module exposes ``RECOGNISERS``: objects with a ``kind`` and ``find(sheet, ctx) -> list[TableHit]``.
:data:`ALL` lists them in the order they are tried; a region claimed by one is not offered to the next.
"""
from __future__ import annotations

from .base import Recogniser, SheetContext, TableHit  # noqa: F401


def all_recognisers() -> list["Recogniser"]:
    from . import registry
    return registry.RECOGNISERS

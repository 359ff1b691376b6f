"""Python's cyclic garbage collector during bulk work.

Bulk work (a PDF report's layout, an archive's chunk of 50,000 rows) makes hundreds of
thousands of short-lived objects, none of them in a reference cycle. Each young collection
scans them again while they live, and every full one scans the whole process: about a tenth
of a report's CPU time, and 40 % of an archive import's. Paused, they are freed by reference
counting as before; the few cycles made meanwhile wait for the next collection.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def sans_ramasse_miettes() -> Iterator[None]:
    """The collector paused for the block (its cycles are collected by the next collection
    after it). Blocks overlapping in threads may resume it early: a pause only delays
    collection, so nothing can go wrong but a little speed."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

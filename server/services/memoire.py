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
    """The collector paused for the block. Blocks overlapping in threads may resume it early:
    a pause only delays collection, so nothing can go wrong but a little speed."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def ramasser_les_jeunes() -> None:
    """Collect the cycles made since the last call (the young generations only: the objects
    that survive move to the old one, which no call scans again). For long pauses, called
    between two pieces of work, so that memory stays flat."""
    gc.collect(1)

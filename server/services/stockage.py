"""Where the ressourcerie's files live: behind this interface, on disk today (in the instance
folder, never in the web root), in an object storage tomorrow.
"""

import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from flask import current_app

CHUNK = 64 * 1024


class Stockage(Protocol):
    """Store bytes under an opaque key, read them back in chunks, delete them."""

    def enregistrer(self, chunks: Iterable[bytes]) -> str: ...
    def lire(self, key: str) -> Iterator[bytes]: ...
    def supprimer(self, key: str) -> None: ...


class StockageDisque:
    """Files in a folder, named by random keys (never by what the user sent)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not key.isalnum():  # keys are ours: refuse anything that could walk the tree
            raise ValueError("clé de stockage invalide")
        return self.root / key[:2] / key

    def enregistrer(self, chunks: Iterable[bytes]) -> str:
        key = secrets.token_hex(16)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        try:
            with open(partial, "wb") as handle:
                for chunk in chunks:  # the source may refuse midway (not a PDF, too big)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(path)  # atomic: a file is whole or absent
        return key

    def lire(self, key: str) -> Iterator[bytes]:
        with open(self._path(key), "rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    def supprimer(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def stockage() -> Stockage:
    """The app's storage (RESSOURCERIE_DIR, by default instance/ressourcerie)."""
    return StockageDisque(
        current_app.config["RESSOURCERIE_DIR"] or Path(current_app.instance_path) / "ressourcerie"
    )

"""When the app's sources last changed: the date of its version, shown to people beside the
digest that identifies it (assets.py stamps both in the build's manifest).

The digest is made of the built files only, so that every machine building the same files
serves the same version; this date never enters it. It is read, in order, from:

- git: the committer date of the last commit touching the sources, the same in every clone of
  that history (a shallow clone cut at that commit or after sees its own tip instead);
- SOURCE_DATE_EPOCH (reproducible-builds.org), for a build from an archive without .git;
- else none: the version is then shown by its digest only.

Files changed since the last commit are not dated: a build of them carries that commit's date.
"""

import logging
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger(__name__)


def _from_git(paths: list[Path], root: Path) -> datetime | None:
    command = ["git", "log", "-1", "--format=%ct", "--", *(str(p.relative_to(root)) for p in paths)]
    try:
        answer = subprocess.run(
            command, cwd=root, capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError) as error:  # no git, not a repository…
        logger.info("Date des sources hors de git : %s", error)
        return None
    seconds = answer.stdout.strip()
    return datetime.fromtimestamp(int(seconds), UTC) if seconds.isdigit() else None


def sources_date(paths: list[Path], root: Path) -> datetime | None:
    """The date of the sources at `paths` (folders or files under `root`), or None."""
    found = _from_git(paths, root)
    if found is not None:
        return found
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else None

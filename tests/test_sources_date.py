"""The date of the app's version: its sources' last commit, else SOURCE_DATE_EPOCH, else none."""

import os
import subprocess
from datetime import UTC, datetime

import pytest

from server.pages.sources_date import sources_date

pytestmark = pytest.mark.one_database  # no database here


def commit(root, path, text, when):
    """Write `path` under root and commit it at `when` (author and committer)."""
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text)
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    for command in (["add", path], ["commit", "-q", "-m", f"{path} at {when}"]):
        subprocess.run(
            ["git", "-c", "user.name=Essai", "-c", "user.email=essai@test.example", *command],
            cwd=root,
            env=env,
            check=True,
            capture_output=True,
        )


@pytest.fixture
def repository(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    return tmp_path


def test_the_date_is_the_last_commit_touching_the_sources_not_the_others(repository):
    sources = [repository / "pwa", repository / "package-lock.json"]
    commit(repository, "pwa/js/app.js", "1", "2026-12-01T10:00:00+01:00")
    commit(repository, "README.md", "doc", "2026-12-05T09:00:00+01:00")
    assert sources_date(sources, repository) == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    commit(repository, "package-lock.json", "{}", "2026-12-07T14:05:00+01:00")
    assert sources_date(sources, repository) == datetime(2026, 12, 7, 13, 5, tzinfo=UTC)


def test_without_git_the_date_is_source_date_epoch_or_none(repository, monkeypatch):
    commit(repository, "pwa/js/app.js", "1", "2026-12-01T10:00:00+01:00")
    monkeypatch.setenv("PATH", "")  # no git program
    assert sources_date([repository / "pwa"], repository) is None
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796648700")
    assert sources_date([repository / "pwa"], repository) == datetime(
        2026, 12, 7, 13, 5, tzinfo=UTC
    )


def test_outside_a_repository_the_date_is_source_date_epoch_or_none(tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    (tmp_path / "pwa").mkdir()
    assert sources_date([tmp_path / "pwa"], tmp_path) is None
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796648700")
    assert sources_date([tmp_path / "pwa"], tmp_path) == datetime(2026, 12, 7, 13, 5, tzinfo=UTC)

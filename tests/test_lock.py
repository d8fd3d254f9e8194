"""The lock: uv.lock agrees with pyproject.toml, requirements/*.txt are its hashed exports,
and the environment the tests run in is exactly what requirements/test.txt pins."""

from __future__ import annotations

import importlib.util
import shutil
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from .conftest import REQUIRE_ALL, ROOT

_spec = importlib.util.spec_from_file_location("lockcheck", ROOT / "scripts" / "lockcheck.py")
lockcheck = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lockcheck)


@pytest.fixture
def repo(tmp_path) -> Path:
    """The files the check reads, copied so that a test may break them."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copy(ROOT / "uv.lock", tmp_path)
    shutil.copytree(ROOT / "requirements", tmp_path / "requirements")
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_committed_lock_agrees_with_pyproject():
    assert lockcheck.problems(ROOT) == []


def test_a_dependency_added_to_pyproject_without_refreshing_the_lock_is_reported(repo):
    edit(repo / "pyproject.toml", '"pytest>=8",', '"pytest>=8",\n    "tomli-w>=1",')
    assert lockcheck.problems(repo) == [
        "uv.lock: tomli-w>=1 (extra:test) is in pyproject.toml but not in the lock: "
        + lockcheck.REFRESH,
        "requirements/test.txt: tomli-w>=1 is required but not pinned: " + lockcheck.REFRESH]


def test_a_range_the_pinned_version_leaves_is_reported(repo):
    edit(repo / "pyproject.toml", '"Flask>=3.0",', '"Flask>=99",')
    found = lockcheck.problems(repo)
    assert any("flask>=99 (extra:server) is in pyproject.toml but not in the lock" in p
               for p in found), found
    assert any(p.startswith("requirements/test.txt: pins flask==") and "outside Flask>=99" in p
               for p in found), found


def test_an_export_that_differs_from_the_lock_or_lacks_a_hash_is_reported(repo):
    path = repo / "requirements" / "demo.txt"
    version = lockcheck.pins(path.read_text())["flask"][0]
    edit(path, f"flask=={version} \\\n    --hash=", "flask==0.1 \\\n    --hash=")
    lines = path.read_text().splitlines()
    at = next(n for n, line in enumerate(lines) if line.startswith("jinja2=="))
    lines[at] = lines[at].removesuffix(" \\")
    while lines[at + 1].lstrip().startswith("--hash="):
        del lines[at + 1]
    path.write_text("\n".join(lines) + "\n")
    found = lockcheck.problems(repo)
    assert f"requirements/demo.txt: flask==0.1, but uv.lock has {version}: " \
           f"{lockcheck.REFRESH}" in found
    assert any(p.startswith("requirements/demo.txt: jinja2==") and p.endswith("has no hash")
               for p in found), found


def test_the_tests_run_in_exactly_what_the_test_lock_pins():
    if not REQUIRE_ALL:
        pytest.skip("a hand-made environment may differ from the lock; scripts/test checks it")
    text = (ROOT / "requirements" / "test.txt").read_text(encoding="utf-8")
    differ = {}
    for line in text.splitlines():
        if not line or line[0] in " #":
            continue
        req = Requirement(line.rstrip(" \\"))
        if req.marker and not req.marker.evaluate({"extra": ""}):
            continue
        pinned = str(req.specifier).removeprefix("==")
        installed = metadata.version(req.name)
        if installed != pinned:
            differ[req.name] = (pinned, installed)
    assert differ == {}

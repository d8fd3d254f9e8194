"""The committed compiled widget (banner_src/compiled/) is what banner_src/js/ compiles to
today, byte for byte; and a site build refuses a compiled code older than its sources."""

from __future__ import annotations

import json
import shutil

import pytest

from consent_build.bundle import read_site_data
from consent_build.cli import main
from consent_build.compiled import artefact, compile_widget
from consent_build.js_filters import BIN, INTERNAL_PROPERTIES
from server.contract import SENT

from .conftest import ROOT, missing


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    if not all((BIN / tool).exists() for tool in ("esbuild", "terser")):
        missing("esbuild and terser (npm ci in the project's root)")
    src = tmp_path_factory.mktemp("src") / "banner_src"
    shutil.copytree(ROOT / "banner_src", src, ignore=shutil.ignore_patterns("compiled"))
    compile_widget(src)
    return src


def test_committed_compiled_widget_matches_a_fresh_compile(fresh):
    for committed, made in zip(artefact(ROOT / "banner_src"), artefact(fresh), strict=True):
        assert committed.read_bytes() == made.read_bytes(), (
            f"{committed.relative_to(ROOT)} is stale: run `python build.py compile-widget`")


def test_compiling_twice_gives_the_same_bytes(fresh):
    first = [path.read_bytes() for path in artefact(fresh)]
    compile_widget(fresh)
    assert [path.read_bytes() for path in artefact(fresh)] == first


def test_a_build_refuses_a_compiled_widget_older_than_its_sources(tmp_path, capsys):
    src = tmp_path / "banner_src"
    shutil.copytree(ROOT / "banner_src", src)
    main_js = src / "js" / "main.js"
    main_js.write_text(main_js.read_text() + "\n// changed\n")
    assert main(["--src", str(src), "--out", str(tmp_path / "dist")]) == 1
    err = capsys.readouterr().err
    assert "banner_src/js/ changed since this was compiled" in err
    assert "python build.py compile-widget" in err
    assert not (tmp_path / "dist").exists()


def test_only_internal_names_are_shortened_and_the_site_data_uses_them(dist_dir):
    """Property mangling shortens the site data's fields and a change's, nothing a page, a
    stylesheet or the server can see; the build names the data's fields as the code does."""
    record = json.loads(artefact(ROOT / "banner_src")[1].read_text(encoding="utf-8"))
    names = record["properties"]
    assert set(names) == set(INTERNAL_PROPERTIES) and len(set(names.values())) == len(names)
    public = {"ConsentBanner", "get", "granted", "show", "acceptAll", "refuseAll", "set", "on"}
    assert not set(names) & (public | set(SENT) | {"e", "n", "a", "t"})  # the queue, a pack
    code = (ROOT / "banner_src" / "compiled" / "widget.js").read_text(encoding="ascii")
    for method in public - {"ConsentBanner"}:
        assert f"{method}:" in code  # window.ConsentBanner's methods keep their names
    js = (dist_dir / "kppay" / "consent.js").read_text(encoding="ascii")
    data = read_site_data(js)
    site = data["site"]
    assert site["id"] == "kppay" and site[names["cookieName"]] == "consent_banner"
    assert [c["id"] for c in site[names["categories"]]][0] == "essential"
    assert "categories" not in js and "consentMode" not in js

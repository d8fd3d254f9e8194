"""Every schema error in site.toml is reported with its file, line and what was expected."""

from __future__ import annotations

import pytest

from consent_build.cli import main
from consent_build.errors import BuildError
from consent_build.site_config import load_site

from .conftest import ROOT, SITE_TOML

KPPAY = SITE_TOML.read_text(encoding="utf-8")


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line of `text` that contains `needle`."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def problems_for(tmp_path, text: str) -> list[str]:
    site = tmp_path / "site.toml"
    site.write_text(text, encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        load_site(site, ROOT / "translations")
    return [str(p).replace(str(site), "site.toml") for p in caught.value.problems]


def test_kppay_site_is_valid():
    config = load_site(SITE_TOML, ROOT / "translations")
    assert config.site["id"] == "kppay"
    assert [c["id"] for c in config.categories] == [
        "essential", "performance", "functionality", "targeting", "social"]
    assert config.categories[1]["cookies"][0]["name"] == "WT_fpc"
    assert config.categories[2]["cookies"][0]["name"] == "User ID"


# (what to change, the line it lands on, the message expected)
CASES = {
    "unknown key": (
        ('lifetime_days = 180', 'lifetime_days = 180\ncolour = "blue"'),
        ('colour = "blue"', 1),
        "site.colour: unknown key; expected one of id, name, policy_url",
    ),
    "missing title": (
        ('title = "Performance cookies"\n', ""),
        ("[[categories]]", 2),
        "categories[1].title: missing; expected a string",
    ),
    "duplicate category id": (
        ('id = "functionality"', 'id = "performance"'),
        ('id = "performance"', 2),
        "categories[2].id: duplicate category id 'performance' (first at categories[1])",
    ),
    "no required category": (
        ("required = true\n", ""),
        ("[[categories]]", 1),
        "categories: no required category; expected one with `required = true`",
    ),
    "lifetime over 395 days": (
        ("lifetime_days = 180", "lifetime_days = 400"),
        ("lifetime_days = 400", 1),
        "site.lifetime_days: expected 1 to 395 days (13 months at most), got 400",
    ),
    "rights answered in over 90 days": (
        ("rights_response_days = 45", "rights_response_days = 91"),
        ("rights_response_days = 91", 1),
        "site.rights_response_days: expected 1 to 90 days, got 91",
    ),
    "rights answered in no days": (
        ("rights_response_days = 45", "rights_response_days = 0"),
        ("rights_response_days = 0", 1),
        "site.rights_response_days: expected 1 to 90 days, got 0",
    ),
    "language with no catalog": (
        ('languages = ["fr", "en"]', 'languages = ["fr", "en", "de"]'),
        ("languages = ", 1),
        "site.languages: language 'de' has no catalog; expected ",
    ),
    "default language not offered": (
        ('default_language = "fr"', 'default_language = "es"'),
        ('default_language = "es"', 1),
        "site.default_language: 'es' is not one of the site's languages ['fr', 'en']",
    ),
    "wrong type": (
        ("revision = 1", 'revision = "1"'),
        ('revision = "1"', 1),
        "site.revision: expected a whole number, got a string",
    ),
    "boolean is not a number": (
        ("revision = 1", "revision = true"),
        ("revision = true", 1),
        "site.revision: expected a whole number, got a boolean",
    ),
    "bad duration": (
        ('duration = "13 months"', 'duration = "forever"'),
        ('duration = "forever"', 1),
        "categories[1].cookies[0].duration: expected 'session' or a length such as "
        "'30 minutes', '12 hours' or '13 months'",
    ),
    "unknown key in a nested table": (
        ('provider = "Meta Platforms"', 'provider = "Meta Platforms"\nurl = "x"'),
        ('url = "x"', 1),
        "categories[4].services[0].url: unknown key",
    ),
    "unknown Consent Mode signal": (
        ('consent_mode = ["analytics_storage"]', 'consent_mode = ["analytics"]'),
        ('consent_mode = ["analytics"]', 1),
        "categories[1].consent_mode: unknown Consent Mode signal 'analytics'",
    ),
    "syntax error": (
        ('name = "KPpay"', 'name = "KPpay'),
        ('name = "KPpay', 1),
        "TOML syntax error at column",
    ),
    "policy URL on another host": (
        ('policy_url = "/politique-cookies"', 'policy_url = "//evil.example/x"'),
        ('policy_url = "//evil', 1),
        "site.policy_url: expected an http(s) URL or a path starting with '/'",
    ),
    "policy URL with a backslash": (
        ('policy_url = "/politique-cookies"', 'policy_url = "/\\\\evil.example/x"'),
        ('policy_url = "/\\', 1),
        "site.policy_url: expected an http(s) URL or a path starting with '/'",
    ),
    "bad policy URL": (
        ('policy_url = "/politique-cookies"', 'policy_url = "politique"'),
        ('policy_url = "politique"', 1),
        "site.policy_url: expected an http(s) URL or a path starting with '/'",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_each_schema_error_names_its_line(tmp_path, case):
    (old, new), (needle, occurrence), message = CASES[case]
    assert old in KPPAY
    text = KPPAY.replace(old, new, 1)
    expected = f"site.toml:{line_of(text, needle, occurrence)}: {message}"
    problems = problems_for(tmp_path, text)
    assert any(p.startswith(expected) for p in problems), problems


def test_every_error_is_reported_in_one_run(tmp_path, capsys):
    text = (KPPAY.replace("lifetime_days = 180", "lifetime_days = 999")
            .replace('title = "Social network cookies"\n', "")
            .replace('cookie_name = "consent_banner"', 'cookie_name = "consent_banner"\nfoo = 1'))
    site = tmp_path / "site.toml"
    site.write_text(text)
    assert main(["--site", str(site), "--check"]) == 1
    err = capsys.readouterr().err
    assert "build failed: 3 problems" in err
    assert "site.lifetime_days" in err and "categories[4].title: missing" in err
    assert "site.foo: unknown key" in err
    assert "nothing was written to dist/" in err


def test_a_missing_site_file_is_a_clear_error(tmp_path, capsys):
    assert main(["--site", str(tmp_path / "nope.toml"), "--check"]) == 1
    assert "nope.toml: cannot read the site file" in capsys.readouterr().err


def test_the_site_file_names_the_schema_editors_check_it_against():
    from jsonschema import Draft202012Validator

    from consent_build.site_config import SCHEMA, SCHEMA_FILE

    Draft202012Validator.check_schema(SCHEMA)
    directive = KPPAY.splitlines()[0]
    assert directive.startswith("#:schema ")  # Taplo / Even Better TOML read this line
    assert (SITE_TOML.parent / directive.split(" ", 1)[1]).resolve() == SCHEMA_FILE

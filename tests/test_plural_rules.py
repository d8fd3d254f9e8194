"""A catalog's own Plural-Forms header is the truth for that catalog: gettext's two French
forms and CLDR's three both build, durations are counted with the catalog's own rule, and
a header written on one line reads as gettext reads it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from babel.core import Locale
from babel.messages.plurals import get_plural
from selenium.webdriver.support.ui import WebDriverWait

from consent_build.cli import main

from .conftest import ROOT, SITE_TOML, LiveServer, build_site

GETTEXT_FR = "nplurals=2; plural=(n > 1);"  # what msginit, Poedit and Weblate write
CLDR_FR_3 = ("nplurals=3; plural=(n == 0 || n == 1) ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;")
FRENCH_MANY = {"%(num)d jour": "%(num)d de jours", "%(num)d mois": "%(num)d de mois",
               "%(num)d an": "%(num)d d'ans"}  # the "many" form: 1 000 000 de jours


def po(translations: Path, lang: str = "fr") -> Path:
    return translations / lang / "LC_MESSAGES" / "banner.po"


def copy_translations(folder: Path) -> Path:
    shutil.copytree(ROOT / "translations", folder / "translations")
    return folder / "translations"


def with_cldr_three_forms(path: Path) -> None:
    """Rewrite a French catalog as Babel 2.19's `init fr` would: CLDR's three forms."""
    text = path.read_text(encoding="utf-8")
    assert f'"Plural-Forms: {GETTEXT_FR}\\n"' in text
    text = text.replace(GETTEXT_FR, CLDR_FR_3)

    def three(found: re.Match) -> str:
        one, other = found.group(1), found.group(2)
        many = FRENCH_MANY[one]
        return (f'msgstr[0] "{one}"\nmsgstr[1] "{many}"\nmsgstr[2] "{other}"\n')

    text, count = re.subn(r'msgstr\[0\] "(.*)"\nmsgstr\[1\] "(.*)"\n', three, text)
    assert count == 3  # days, months, years
    path.write_text(text, encoding="utf-8")


def check(translations: Path, capsys) -> tuple[int, str]:
    code = main(["check", "--translations", str(translations)])
    return code, capsys.readouterr().err


def cldr_count(lang: str) -> int:
    return get_plural(Locale.parse(lang)).num_plurals


@pytest.mark.parametrize("rule", ["gettext", "cldr"])
def test_both_french_plural_rules_pass_the_check(tmp_path, capsys, rule):
    translations = copy_translations(tmp_path)
    if rule == "cldr":
        with_cldr_three_forms(po(translations))
    code, err = check(translations, capsys)
    assert code == 0, err


def test_a_count_other_than_cldr_is_a_warning_naming_both(tmp_path, capsys):
    translations = copy_translations(tmp_path)
    path = po(translations)
    # Whatever the installed Babel says of French, give the catalog the other count.
    if cldr_count("fr") == 2:
        with_cldr_three_forms(path)
        ours = 3
    else:
        ours = 2
    code, err = check(translations, capsys)
    assert code == 0, err
    line = next(n for n, t in enumerate(path.read_text().splitlines(), 1) if "Plural-Forms" in t)
    assert (f"warning: {path}:{line}: header Plural-Forms has nplurals={ours}; CLDR "
            f"(Babel ") in err
    assert f"gives fr {cldr_count('fr')} forms" in err
    assert "the catalog's own rule is used" in err


def test_an_entry_with_a_form_more_than_its_header_is_refused_with_its_line(tmp_path, capsys):
    translations = copy_translations(tmp_path)
    path = po(translations)
    with_cldr_three_forms(path)
    text = path.read_text(encoding="utf-8").replace(CLDR_FR_3, GETTEXT_FR)
    path.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    code, err = check(translations, capsys)
    assert code == 1
    for msgid in ("%(num)d day", "%(num)d month", "%(num)d year"):
        line = lines.index(f'msgid "{msgid}"') + 1
        assert (f"{path}:{line}: '{msgid}' has 3 plural forms, but the header's Plural-Forms "
                "says nplurals=2") in err, err
    assert "check failed: 3 problems" in err


def test_a_header_on_one_line_is_read_as_gettext_reads_it(tmp_path, capsys):
    translations = copy_translations(tmp_path)
    path = po(translations)
    text = path.read_text(encoding="utf-8")
    header = re.search(r'msgstr ""\n((?:".*"\n)+)', text)
    joined = "".join(line[1:-1] for line in header.group(1).splitlines())
    assert joined.count("\\n") >= 5
    path.write_text(text.replace(header.group(0), f'msgstr "{joined}"\n', 1), encoding="utf-8")
    code, err = check(translations, capsys)
    assert code == 0, err
    # and a field wrong inside that one line is reported on that line
    bad = path.read_text(encoding="utf-8").replace("Language: fr", "Language: de")
    path.write_text(bad, encoding="utf-8")
    line = next(n for n, t in enumerate(bad.splitlines(), 1) if "Language: de" in t)
    code, err = check(translations, capsys)
    assert code == 1
    assert f"{path}:{line}: header Language is 'de'; expected 'fr'" in err


def site_with_one_and_two_days(folder: Path) -> Path:
    """KPpay's site file with a cookie kept 1 day and one kept 2 days."""
    text = SITE_TOML.read_text(encoding="utf-8")
    assert 'duration = "180 days"' in text and 'duration = "3 months"' in text
    text = text.replace('duration = "180 days"', 'duration = "1 day"')
    text = text.replace('duration = "3 months"', 'duration = "2 days"')
    site = folder / "site.toml"
    site.write_text(text, encoding="utf-8")
    return site


def shown_in_french(browser, server) -> str:
    """The preferences' visible text in French, every category opened."""
    browser.get(f"{server.url}/preview/kppay/page?lang=fr")
    host = "document.querySelector('[data-consent-banner]')"
    WebDriverWait(browser, 10).until(lambda b: b.execute_script(
        f"var h = {host}; return h && h.shadowRoot && h.shadowRoot.textContent"))
    browser.execute_script("ConsentBanner.show()")
    WebDriverWait(browser, 10).until(lambda b: b.execute_script(
        f"return {host}.shadowRoot.querySelector('[role=dialog]')"))
    return browser.execute_script(f"""
        var root = {host}.shadowRoot;
        root.querySelectorAll('details').forEach(function (d) {{ d.open = true; }});
        return root.querySelector('[role=dialog]').innerText;""")


@pytest.mark.parametrize("rule", ["gettext", "cldr"])
def test_the_widget_counts_days_with_the_catalogs_own_rule(tmp_path, browser, rule):
    from consent_dev import create_app

    translations = copy_translations(tmp_path)
    if rule == "cldr":
        with_cldr_three_forms(po(translations))
    out = tmp_path / "dist"
    build_site(out, site=site_with_one_and_two_days(tmp_path), translations=translations)
    server = LiveServer(create_app({"TESTING": True, "CONSENT_DIST_DIR": str(out)}))
    try:
        text = shown_in_french(browser, server)
    finally:
        server.stop()
    assert re.search(r"Durée : 1 jour\b(?! de)", text), text
    assert re.search(r"Durée : 2 jours\b", text), text
    assert "de jours" not in text

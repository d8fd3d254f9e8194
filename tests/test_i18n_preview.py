"""/preview/<site>?lang=…: the translator's page, the catalog's texts beside the English."""

from __future__ import annotations

import shutil

from consent_dev import create_app

from .conftest import ROOT, SITE_TOML


def test_preview_lists_every_text_with_its_note_limit_and_problems(dist_dir, tmp_path):
    translations = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", translations)
    po = translations / "fr" / "LC_MESSAGES" / "banner.po"
    po.write_text(po.read_text(encoding="utf-8")
                  .replace('msgstr "Tout accepter"', 'msgstr "Accepter tous les cookies"')
                  .replace('msgstr "Tout refuser"', 'msgstr ""'), encoding="utf-8")
    app = create_app({"TESTING": True, "CONSENT_DIST_DIR": str(dist_dir),
                      "CONSENT_TRANSLATIONS_DIR": str(translations)})
    page = app.test_client().get("/preview/kppay?lang=fr")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'src="/preview/kppay/page?lang=en&amp;fixed=1"' in html  # the source, beside
    assert 'src="/preview/kppay/page?lang=fr&amp;fixed=1"' in html
    assert "button on the first layer; keep under 20 characters" in html
    assert "Accepter tous les cookies" in html and "25 / 20 <strong>too long</strong>" in html
    assert "<strong>not translated</strong>" in html
    assert html.count('class="problem"') == 2


def test_a_language_being_translated_is_previewed_from_its_catalog(dist_dir, tmp_path):
    from consent_build.pseudo import write_pseudo_catalog

    translations = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", translations)
    write_pseudo_catalog(translations, "de")
    # `python build.py init de` added it to the site's file; the build does not have it yet
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "kppay.toml").write_text(SITE_TOML.read_text(encoding="utf-8").replace(
        'languages = ["fr", "en"]', 'languages = ["fr", "en", "de"]'), encoding="utf-8")
    app = create_app({"TESTING": True, "CONSENT_DIST_DIR": str(dist_dir),
                      "CONSENT_SITES_DIR": str(sites),
                      "CONSENT_TRANSLATIONS_DIR": str(translations)})
    page = app.test_client().get("/preview/kppay?lang=de")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "de is not in the build yet" in html
    assert "[Åççéþţ åļļ" in html
    assert "page?lang=de" not in html  # no frame for a language the bundle lacks


def test_preview_refuses_an_unknown_language_or_tag_with_a_json_error(app):
    client = app.test_client()
    answer = client.get("/preview/kppay?lang=de")
    assert answer.status_code == 404
    assert answer.get_json() == {"error": "unknown language 'de' for site 'kppay'; expected "
                                          "one of fr, en", "field": "lang"}
    answer = client.get("/preview/kppay/page?lang=fr<script>")
    assert answer.status_code == 400 and answer.get_json()["field"] == "lang"
    assert client.get("/preview/nosuchsite?lang=fr").status_code == 404

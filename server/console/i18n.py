"""The console's texts in French and English, from gettext catalogs like the banner's
(`translations/<lang>/LC_MESSAGES/console.po`, template `translations/console.pot`), read with
Babel at start. Each request is in the owner's chosen language, else their browser's."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, g, request, session

from ..config import ConfigError

DOMAIN = "console"
LANGUAGES = ("fr", "en")
# KPpay's owners read French first; English is the other language of the console.
DEFAULT = "fr"


def catalog_path(translations: Path, lang: str) -> Path:
    return translations / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def load(translations: Path) -> dict[str, Translations]:
    """Every language's catalog, compiled in memory; ConfigError names a broken file and line."""
    loaded = {}
    for lang in LANGUAGES:
        path = catalog_path(translations, lang)
        try:
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=lang, domain=DOMAIN, abort_invalid=True)
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the console's catalog ({exc.strerror})") \
                from None
        except PoFileError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        compiled = io.BytesIO()
        # Fuzzy entries are left out, as gettext does: the English text shows instead.
        write_mo(compiled, catalog, use_fuzzy=False)
        compiled.seek(0)
        loaded[lang] = Translations(compiled, domain=DOMAIN)
    return loaded


def language() -> str:
    """The language the address asks for (the rights form's links), else the owner's choice
    (kept in their session), else the browser's preference."""
    for chosen in (request.args.get("lang"), session.get("lang")):
        if chosen in LANGUAGES:
            return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT)


def _translations() -> NullTranslations:
    found = g.get("console_translations")
    if found is None:
        catalogs = current_app.extensions.get("console_catalogs", {})
        found = g.console_translations = catalogs.get(language(), NullTranslations())
    return found


def catalog(lang: str) -> NullTranslations:
    """One language's texts outside a request (e-mail written by a command, in the language
    of the request it is about)."""
    return current_app.extensions.get("console_catalogs", {}).get(lang, NullTranslations())


def gettext(message: str, **variables) -> str:
    text = _translations().gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables) -> str:
    text = _translations().ngettext(singular, plural, n)
    return text % {"num": n, **variables}


def init_app(app: Flask) -> None:
    translations = Path(app.config["CONSENT_TRANSLATIONS_DIR"])
    app.extensions["console_catalogs"] = load(translations)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # newstyle: %(name)s placeholders are filled and escaped by Jinja itself.
    app.jinja_env.install_gettext_callables(
        lambda message: _translations().gettext(message),
        lambda singular, plural, n: _translations().ngettext(singular, plural, n),
        newstyle=True)

"""The widget's compilers as webassets filters: esbuild bundles an entry ES module with every
module it imports into one file; terser then minifies it (names shortened, comments dropped,
and the properties listed in INTERNAL_PROPERTIES shortened too).

Measured on banner_src/js/ (KPpay, brotli, before issue 16's part 2): esbuild's own --minify
gives 4,187 B of code, esbuild's bundle through terser 4,084 B; terser is kept for those
103 B. esbuild minifying as it bundles saves terser another 30 B (its syntax rewrites and
terser's differ a little; each finds some the other misses); shortening the internal
properties, with the site data written with the same names, another 81 B. Only
`python build.py compile-widget` runs them, for people who change banner_src/js/; both come
from the npm registry, pinned in package.json and package-lock.json (`npm ci`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from webassets.filter import ExternalTool, FilterError, register_filter

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "node_modules" / ".bin"
# ESM output: the bundle imports nothing from outside, so it keeps no import or export; the
# build wraps it in one function (bundle.py).
ESBUILD_FLAGS = ["--bundle", "--format=esm", "--target=es2020", "--charset=ascii",
                 "--minify", "--legal-comments=none", "--log-level=warning"]
# --module: top-level names are the module's own, so they are shortened too. ASCII output
# reads right whatever charset the bundle is served with. pure_getters: reading a property
# of ours or of the DOM has no side effect the widget relies on; unsafe_arrows: a function
# expression becomes an arrow only where it uses neither `this` nor `arguments`.
TERSER_COMPRESS = "passes=3,pure_getters=true,unsafe_arrows=true"
TERSER_FLAGS = ["--module", "--ecma", "2020", "-c", TERSER_COMPRESS, "-m",
                "--format", "ascii_only=true"]

# Property names terser shortens too: the fields of the site's data (bundle.site_data writes
# them with the same short names, read from widget.json) and of a change of the choice
# (consent.js). Only names that are ours alone: never window.ConsentBanner's methods, a DOM,
# CSS or event name, a cookie or localStorage key, or a field of the server's JSON (the
# consent event, server/payload.py FIELDS); tests/test_compiled_fresh.py checks the last two.
# A name of the site's data that also names something else (id, name, revision, languages,
# provider, integrity) keeps its name.
INTERNAL_PROPERTIES = (
    # site.js: the data's top level, the site, a category, a cookie or service, a text pack
    "texts", "packs", "css", "prefs",
    "policy", "lifetime", "defaultLanguage", "endpoint", "cookieName", "cookieDomain", "rtl",
    "revised", "brand",
    "categories",
    "required", "title", "description", "consentMode", "items",
    "purpose", "duration", "cookies", "hosts",
    "file",
    # consent.js: a change, as its subscribers receive it
    "choice", "withdrawn", "reloadNeeded",
    # prefs-load.js: what the core lends the preferences chunk (lent.js), and the entry
    # points the chunk hands back (prefs-chunk.js; `show` keeps its name, as the API's);
    # compiled apart, both use the short names of the one name cache (compiled.py)
    "currentChoice", "setChoices", "button", "element", "safe", "translate", "currentLanguage",
    "languageSwitch", "bannerRoot", "wasRefused", "resolveUrl", "GPC", "SITE", "TEXTS",
    "addStyles", "handBack", "redraw", "afterChange", "onKey",
)
# builtins=true: some of these are also names of DOM properties (title, required, items) that
# terser would otherwise leave alone; the widget never reads those on a DOM object.
PROPERTY_OPTIONS = "builtins=true,regex=/^(" + "|".join(INTERNAL_PROPERTIES) + ")$/"


def shortened_properties(name_cache: Path) -> dict[str, str]:
    """{long name: short name} for the properties terser shortened, from its name cache."""
    cache = json.loads(name_cache.read_text(encoding="utf-8"))["props"]["props"]
    return {re.sub(r"^\$", "", name): short for name, short in sorted(cache.items())}


class ESBuild(ExternalTool):
    name = "esbuild"
    method = "open"  # esbuild reads the entry module and its imports from disk itself
    options = {"binary": "ESBUILD_BIN"}

    def setup(self):
        super().setup()
        self.binary = self.binary or str(BIN / "esbuild")

    def open(self, out, source_path, **kw):
        self.subprocess([self.binary, source_path, *ESBUILD_FLAGS], out)


class Terser(ExternalTool):
    name = "terser"
    method = "output"
    # name_cache: where terser records the short names it gave INTERNAL_PROPERTIES
    options = {"binary": "TERSER_BIN", "name_cache": "TERSER_NAME_CACHE"}

    def setup(self):
        super().setup()
        self.binary = self.binary or str(BIN / "terser")

    def output(self, _in, out, **kw):
        # Without the cache, no one could know the short names: refuse rather than guess.
        if not self.name_cache:
            raise FilterError("terser: TERSER_NAME_CACHE is not set (compiled.py sets it)")
        self.subprocess([self.binary, *TERSER_FLAGS, "--mangle-props", PROPERTY_OPTIONS,
                         "--name-cache", self.name_cache], out, data=_in)


register_filter(ESBuild)
register_filter(Terser)

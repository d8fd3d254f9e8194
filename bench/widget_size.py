"""What a one-language visitor of KPpay downloads, raw, gzip and brotli, and what it is made
of: the widget's code, its CSS, the site's data and the texts. Printed, not asserted (the
budget is tests/test_widget_size.py).

    .venv/bin/python bench/widget_size.py

Each part is compressed on its own, so the parts add up to about, not exactly, the files.
A visitor downloads the bundle of the page's language only (its texts are embedded); the
preferences chunk of that language the first time they open the preferences (its code, the
texts only the preferences show, the categories' items and the dialog's CSS); a switch to
another language costs that language's pack.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from consent_build.cli import build  # noqa: E402
from consent_build.output import sizes  # noqa: E402
from consent_build.site_config import load_site  # noqa: E402


def row(name: str, data: bytes) -> str:
    size = sizes(data)
    return f"{name:<34} {size['raw']:>7} {size['gzip']:>7} {size['brotli']:>7}"


def main() -> None:
    translations = ROOT / "translations"
    site_file = ROOT / "sites" / "kppay.toml"
    config = load_site(site_file, translations)
    # The build itself (its release id included), written nowhere.
    built = build(site_file, ROOT / "banner_src", translations, ROOT / "dist", check=False,
                  write=False)
    widget = SimpleNamespace(js=built["js"], bundles=built["bundles"], packs=built["packs"],
                             parts=built["parts"], prefs=built["prefs"])
    default = config.site["default_language"]
    print(f"{'':<34} {'raw':>7} {'gzip':>7} {'brotli':>7}")
    for lang, bundle in widget.bundles.items():
        name = "consent.js" if lang == default else f"consent-{lang}.js"
        print(row(f"bundle of {lang} ({name})", bundle))
        for part in ("code", "css", "data"):
            print(row(f"  {part}", widget.parts[part]))
        print(row(f"  texts {lang}", widget.parts[f"texts {lang}"]))
    for lang, chunk in sorted(widget.prefs.items()):
        print(row(f"preferences {lang} (on first open)", chunk))
        for part in ("code", "css", "data"):
            print(row(f"  {part}", widget.parts[f"prefs {part}"]))
        print(row(f"  texts {lang}", widget.parts[f"prefs texts {lang}"]))
    for lang, pack in sorted(widget.packs.items()):
        print(row(f"pack {lang} (a switch to {lang})", pack))
    for lang, bundle in widget.bundles.items():
        print(row(f"visitor of a page in {lang}", bundle))
        # two files, two requests: each compressed on its own, as they are served
        both = {key: sizes(bundle)[key] + sizes(widget.prefs[lang])[key]
                for key in ("raw", "gzip", "brotli")}
        print(f"{'  ... who opens the preferences':<34} {both['raw']:>7} {both['gzip']:>7} "
              f"{both['brotli']:>7}")

if __name__ == "__main__":
    main()

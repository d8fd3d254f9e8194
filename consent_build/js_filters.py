"""The widget's compilers as webassets filters: esbuild bundles an entry ES module with every
module it imports into one file; terser then minifies it (names shortened, comments dropped).

Measured on banner_src/js/ (KPpay, brotli): esbuild's own --minify gives 4,187 B of code,
esbuild's bundle through terser 4,084 B; terser is kept for those 103 B. Only
`python build.py compile-widget` runs them, for people who change banner_src/js/; both come
from the npm registry, pinned in package.json and package-lock.json (`npm ci`).
"""

from __future__ import annotations

from pathlib import Path

from webassets.filter import ExternalTool, register_filter

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "node_modules" / ".bin"
# ESM output: the bundle imports nothing from outside, so it keeps no import or export; the
# build wraps it in one function (bundle.py).
ESBUILD_FLAGS = ["--bundle", "--format=esm", "--target=es2020", "--charset=ascii",
                 "--legal-comments=none", "--log-level=warning"]
# --module: top-level names are the module's own, so they are shortened too. ASCII output
# reads right whatever charset the bundle is served with.
TERSER_FLAGS = ["--module", "--ecma", "2020", "-c", "passes=2", "-m",
                "--format", "ascii_only=true"]


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
    options = {"binary": "TERSER_BIN"}

    def setup(self):
        super().setup()
        self.binary = self.binary or str(BIN / "terser")

    def output(self, _in, out, **kw):
        self.subprocess([self.binary, *TERSER_FLAGS], out, data=_in)


register_filter(ESBuild)
register_filter(Terser)

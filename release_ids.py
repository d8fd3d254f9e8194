"""A release's id: the SHA-256 of its content, shared by the build (which writes it) and the
server (which checks a release it is given against it). No dependency, like consent_ids.

A release's content is JSON (dist/<site>/release.json, key `content`): the manifest, every
text a visitor can see in each language, the policy URL and revision, and the hashes of the
code and CSS that show them. Its id is the SHA-256 of one canonical form of it, so anyone
holding the file can recompute the id without our code:

    python3 -c 'import json,hashlib,sys; c=json.load(open(sys.argv[1]))["content"]; \
print(hashlib.sha256(json.dumps(c,sort_keys=True,separators=(",",":"),\
ensure_ascii=False).encode()).hexdigest())' dist/kppay/release.json
"""

from __future__ import annotations

import hashlib
import json
import re

# 256 bits as 64 lower-case hex digits (whole-value pattern, as consent_ids.HEX32).
RELEASE_ID = r"^[0-9a-f]{64}$"

# Where the build files a release for the server: dist/<site>/release.json, and its
# screenshots (build.py release) in dist/<site>/screenshots/<release id>/, one PNG per
# language, layer and device, named by `screenshot_name`.
RELEASE_FILE = "release.json"
SCREENSHOTS = "screenshots"
LAYERS = ("first", "preferences")
DEVICES = ("desktop", "phone")
SCREENSHOT_NAME = re.compile(rf"(?P<language>[A-Za-z_]{{2,16}})-(?P<layer>{'|'.join(LAYERS)})"
                             rf"-(?P<device>{'|'.join(DEVICES)})\.png")


def screenshot_name(language: str, layer: str, device: str) -> str:
    return f"{language}-{layer}-{device}.png"


def canonical(content: dict) -> bytes:
    """The one byte form of a release's content that its id hashes: keys sorted, no spaces,
    UTF-8."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def release_id(content: dict) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()

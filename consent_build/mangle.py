"""Shorten the widget's own names after rjsmin, which keeps every identifier as written.

The sources use names that explain themselves; the 7 KiB brotli budget wants short ones.
So the build renames each name a module declares at its top level (`var a = …, b;` or
`function f(…)`, i.e. inside the bundle's one IIFE) to the shortest name not already in
the bundle, most-used first, in a fixed order so that builds stay byte-identical.

Every token spelled like a renamed name is renamed, locals of the same name included, which
keeps the meaning because the new names are fresh. Left alone: strings, template text,
regexes, a name after `.` and an object key (`{name: …}`). Refused: a shorthand property
(`{name}`), which renaming would change into another key.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import product
from pathlib import Path

from .errors import BuildError, Problem

# The data module and the IIFE's parameters: read by name from outside the modules.
KEEP = {"SITE", "TEXTS", "PACKS", "CSS", "window", "document"}
KEYWORDS = set("""break case catch class const continue debugger default delete do else export
extends false finally for function if import in instanceof let new null of return super switch
this throw true try typeof var void while with yield await enum static get set""".split())
# After these a `/` starts a regex; after any other name, a number, `)`, `]` or `}` it divides.
EXPR_KEYWORDS = {"return", "typeof", "instanceof", "in", "of", "new", "delete", "void",
                 "throw", "case", "do", "else", "yield", "await"}
# A `{` after these opens a block; after anything else (`(`, `=`, `,`, `:`…), an object.
BLOCK_AFTER = {")", ";", "}", "{", "=>", "else", "do", "try", "finally", None}
FIRST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$"
_NAME = re.compile(r"[A-Za-z_$][\w$]*")
_NUMBER = re.compile(r"\d[\w.]*")
_SPACE = re.compile(r"\s+|//[^\n]*|/\*.*?\*/", re.S)
_PUNCT = re.compile(r"\.\.\.|=>|\?\.|[^\s\w$]")  # `...x` spreads x: not a property


def tokens(src: str):
    """Yield (kind, text, start): kind is name, num, str, regex or punct. `${` is a punct
    token and its `}` closes it, so the code of a template placeholder is tokenized too."""
    pos, prev, stack = 0, None, []  # stack: "${", "{", "(", "[" still open
    while pos < len(src):
        space = _SPACE.match(src, pos)
        if space:
            pos = space.end()
            continue
        char = src[pos]
        if char in "'\"" or char == "`" or (char == "}" and stack and stack[-1] == "${"):
            if char == "}":
                stack.pop()
                quote = "`"
            else:
                quote = char
            end = pos + 1
            while src[end] != quote:
                if src[end] == "\\":
                    end += 1
                elif quote == "`" and src.startswith("${", end):
                    break
                end += 1
            kind, end = "str", end + 1
            if quote == "`" and src.startswith("${", end - 1):
                stack.append("${")
                end += 1
        elif char == "/" and not (prev and (prev[0] in ("name", "num", "str", "regex")
                                            and prev[1] not in EXPR_KEYWORDS
                                            or prev[1] in ")]}")):
            end, in_class = pos + 1, False
            while in_class or src[end] != "/":
                in_class = (src[end] == "[" or in_class) and src[end] != "]"
                end += 2 if src[end] == "\\" else 1
            kind, end = "regex", _NAME.match(src, end + 1).end() if _NAME.match(src, end + 1) \
                else end + 1
        elif _NAME.match(src, pos):
            kind, end = "name", _NAME.match(src, pos).end()
        elif _NUMBER.match(src, pos):
            kind, end = "num", _NUMBER.match(src, pos).end()
        else:
            kind, end = "punct", _PUNCT.match(src, pos).end()
            text = src[pos:end]
            if text in "{([":
                stack.append(text)
            elif text in "})]" and stack:
                stack.pop()
        prev = (kind, src[pos:end], pos)
        yield prev
        pos = end


def _opens(kind: str, text: str) -> bool:
    return (kind == "punct" and text in "{([" or kind == "str" and text[0] in "`}"
            and text.endswith("${"))


def _closes(kind: str, text: str) -> bool:
    return kind == "punct" and text in ")]}" or kind == "str" and text[0] == "}"


def roles(src: str):
    """Yield (text, start, role) for each name token: role is "use" (renamable), "property"
    (after `.`), "key" (`{name: …}`) or "shorthand" (`{name}`, or a method `{name() …}`).
    An object's `{` is told from a block's by the token before it (BLOCK_AFTER)."""
    toks = list(tokens(src))
    opened = []  # for each open bracket: is it an object literal?
    for i, (kind, text, start) in enumerate(toks):
        before = toks[i - 1][1] if i else None
        after = toks[i + 1][1] if i + 1 < len(toks) else None
        if _closes(kind, text):
            opened = opened[:-1]
        if _opens(kind, text):
            opened.append(text == "{" and before not in BLOCK_AFTER)
        elif kind == "name":
            in_object = bool(opened) and opened[-1] and before in ("{", ",")
            role = ("property" if before in (".", "?.") else
                    "key" if in_object and after == ":" else
                    "shorthand" if in_object and after in (",", "}", "(") else "use")
            yield text, start, role


def declared(src: str) -> list[str]:
    """The names a module declares at its top level: `var a = …, b;` and `function f`."""
    names, depth, state = [], 0, None  # state: "var" (a name comes), "init", "function"
    for kind, text, _start in tokens(src):
        depth += _opens(kind, text) - _closes(kind, text)
        if depth or kind == "str":
            continue
        if kind == "name" and state is None and text in ("var", "function"):
            state = text
        elif kind == "name" and state in ("var", "function"):
            names.append(text)
            state = "init" if state == "var" else None
        elif state == "init" and text in (",", ";"):
            state = "var" if text == "," else None
    return names


def short_names():
    """Every candidate name, shortest first, in a fixed order."""
    for size in range(1, 3):
        for chars in product(FIRST, *[FIRST + "0123456789"] * (size - 1)):
            if "".join(chars) not in KEYWORDS:
                yield "".join(chars)


def mangle(js: str, sources: list[tuple[Path, str]]) -> str:
    """Rename in the minified bundle `js` the top-level names declared in `sources`."""
    names = {n for _path, src in sources for n in declared(src)} - KEEP
    problems = []
    for path, src in sources:
        for text, start, role in roles(src):
            if role == "shorthand" and text in names:
                problems.append(Problem(str(path), src.count("\n", 0, start) + 1,
                                        f"shorthand property {{{text}}}: the build renames "
                                        f"{text!r}, so write {text}: {text}"))
    found = list(roles(js))
    problems += [Problem("bundle", None, f"shorthand property {{{text}}} in the minified "
                         f"bundle: write {text}: {text}")
                 for text, _start, role in found if role == "shorthand" and text in names]
    if problems:
        raise BuildError(problems)
    uses = Counter(text for text, _start, role in found if role == "use" and text in names)
    present = {text for text, _start, _role in found}
    order = sorted(uses, key=lambda n: (-uses[n], n))
    fresh, new = [n for n in short_names() if n not in present], {}
    for name in order:  # a name already as short as the next free one stays as it is
        if len(fresh[0]) < len(name):
            new[name] = fresh.pop(0)
    clash = sorted(set(new.values()) & present)
    if clash:  # cannot happen by construction: the guard that keeps meaning
        raise BuildError([Problem("bundle", None, f"short names already used: {clash}")])
    out, last = [], 0
    for text, start, role in found:
        if role == "use" and text in new:
            out += [js[last:start], new[text]]
            last = start + len(text)
    return "".join(out) + js[last:]

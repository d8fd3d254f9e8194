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
_FLAGS = re.compile(r"[a-z]*")
_SIMPLE = [("name", _NAME), ("num", _NUMBER), ("punct", _PUNCT)]


def tokens(src: str):
    """Yield (kind, text, start): kind is name, num, str, regex or punct. A template literal
    is cut at each `${` and `}` around its placeholders, whose code is tokenized too."""
    pos, prev, stack = 0, None, []  # the brackets still open, "${" for a placeholder
    while pos < len(src):
        if space := _SPACE.match(src, pos):
            pos = space.end()
            continue
        char, end = src[pos], pos + 1
        if char in "'\"`" or char == "}" and stack[-1:] == ["${"]:
            quote = "`" if char in "`}" else char
            while src[end] != quote and not (quote == "`" and src.startswith("${", end)):
                end += 2 if src[end] == "\\" else 1
            if char == "}":
                stack.pop()
            if src[end] != quote:
                stack.append("${")
                end += 1
            kind, end = "str", end + 1
        elif char == "/" and not (prev and prev[1] not in EXPR_KEYWORDS and (
                prev[0] in ("name", "num", "regex") or prev[1] in ")]}"
                or prev[0] == "str" and not prev[1].endswith("${"))):
            in_class = False  # a `/` inside [...] does not end the regex
            while in_class or src[end] != "/":
                in_class = (src[end] == "[" or in_class) and src[end] != "]"
                end += 2 if src[end] == "\\" else 1
            kind, end = "regex", _FLAGS.match(src, end + 1).end()
        else:
            kind, match = next((k, m) for k, rx in _SIMPLE if (m := rx.match(src, pos)))
            end = match.end()
            if match[0] in ("{", "(", "["):
                stack.append(match[0])
            elif match[0] in ("}", ")", "]"):
                stack = stack[:-1]
        prev = (kind, src[pos:end], pos)
        yield prev
        pos = end


def _all_tokens(src: str, where: str) -> list[tuple[str, str, int]]:
    try:
        return list(tokens(src))
    except IndexError:  # ran off the end looking for a closing quote or slash
        raise BuildError([Problem(where, None, "unterminated string, template or regex: "
                                  "cannot shorten names")]) from None


def _opens(kind: str, text: str) -> bool:
    return (kind == "punct" and text in "{([" or kind == "str" and text[0] in "`}"
            and text.endswith("${"))


def _closes(kind: str, text: str) -> bool:
    return kind == "punct" and text in ")]}" or kind == "str" and text[0] == "}"


def roles(src: str, where: str = "bundle"):
    """Yield (text, start, role) for each name token: role is "use" (renamable), "property"
    (after `.`), "key" (`{name: …}`) or "shorthand" (`{name}`, or a method `{name() …}`).
    An object's `{` is told from a block's by the token before it (BLOCK_AFTER)."""
    toks = _all_tokens(src, where)
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


def declared(src: str, where: str = "bundle") -> list[str]:
    """The names a module declares at its top level: `var a = …, b;` and `function f`."""
    names, depth, state = [], 0, None  # state: "var" (a name comes), "init", "function"
    for kind, text, _start in _all_tokens(src, where):
        depth += _opens(kind, text) - _closes(kind, text)
        if depth or kind == "str":
            continue
        if state in ("var", "function"):  # `function (` has no name: nothing declared
            names += [text] if kind == "name" else []
            state = "init" if state == "var" else None
        elif text == "var" or text == "function" and state is None:
            state = text
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
    names = {n for path, src in sources for n in declared(src, str(path))} - KEEP
    problems = [Problem(str(path), src.count("\n", 0, start) + 1,
                        f"shorthand property or method {{{text}}}: the build renames {text!r}, "
                        f"so write {text}: {text}")
                for path, src in sources for text, start, role in roles(src, str(path))
                if role == "shorthand" and text in names]
    found = list(roles(js))
    if not problems:  # the sources are fine, yet rjsmin's output might differ: say so
        problems = [Problem("bundle", None, f"shorthand property {{{text}}}: write {text}: "
                            f"{text}") for text, _s, role in found
                    if role == "shorthand" and text in names]
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

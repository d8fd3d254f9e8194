"""The build's renamer on the inputs that trip naive ones: strings, regexes, templates,
properties, object keys, ternaries, shorthand properties."""

from __future__ import annotations

from pathlib import Path

import pytest

from consent_build.errors import BuildError
from consent_build.mangle import declared, mangle, roles


def run(source: str) -> str:
    # The renamer works on minified code; unminified code is as good a test of its tokenizer.
    return mangle(source, [(Path("m.js"), source)])


def test_declarations_at_top_level_only_commas_included():
    src = ('var first = f(1, 2), second = { a: 1, b: [3, 4] }, third;\n'
           'var fn = () => { var inner = 1; return inner; };\n'
           'function named(arg) { var alsoInner; }\n'
           'if (x) { var notTop = 1; }\n')
    assert declared(src) == ["first", "second", "third", "fn", "named"]


def test_strings_and_property_access_and_keys_keep_the_name():
    out = run('var longName = 1;\n'
              'var other = "longName" + \'longName\' + x.longName + longName;\n'
              'var obj = { longName: longName, b: 2 };\n')
    assert out.endswith('var d = "longName" + \'longName\' + x.longName + a;\n'
                        "var c = { longName: a, b: 2 };\n")


def test_spread_is_a_use_not_a_property():
    out = run("var longName = [1];\nvar copy = [...longName, ...x.longName];\n")
    assert out == "var a = [1];\nvar b = [...a, ...x.longName];\n"


def test_ternary_branches_are_uses_not_keys():
    out = run("var yesValue = 1, noValue = 2;\nvar pick = c ? yesValue : noValue;\n")
    assert "yesValue" not in out and "noValue" not in out


@pytest.mark.parametrize("regex", ["/-/g", "/^[0-9a-f]{32}$/", "/[/]longName/", "/a\\/longName/"])
def test_regex_literals_are_left_as_written(regex):
    out = run(f'var longName = 1;\nvar test = (v) => {regex}.test(v) && longName / 2;\n')
    assert regex in out
    assert "&& longName" not in out  # the division's operand is a use


def test_division_is_not_a_regex():
    out = run("var longName = 4, half = longName / 2 / longName;\n")
    assert "longName" not in out


def test_template_literals_code_in_placeholders_is_renamed():
    out = run("var longName = 1;\nvar t = `longName ${longName + `${longName}`} longName`;\n")
    assert out == "var a = 1;\nvar t = `longName ${a + `${a}`} longName`;\n"


@pytest.mark.parametrize("literal", ["{ choice }", "{ a: 1, choice }", "{ a, choice, b: 2 }",
                                     "{ choice() {} }"])
def test_shorthand_property_of_a_renamed_name_is_refused_with_file_and_line(literal):
    src = f"var choice = 1;\nvar a = 2;\nvar event = {literal};\n"
    with pytest.raises(BuildError) as raised:
        mangle(src, [(Path("banner_src/js/x.js"), src)])
    assert "banner_src/js/x.js:3" in str(raised.value)
    assert "choice: choice" in str(raised.value)


def test_shorthand_of_a_name_not_renamed_is_fine():
    src = "var build = (text) => ({ text, b: 1 });\n"
    assert "{ text, b: 1 }" in run(src)


def test_commas_of_calls_and_blocks_are_not_shorthand():
    out = run("var longName = 1;\nvar f = (x) => { g(x, longName, 2); [1, longName]; };\n"
              "if (x) { longName }\n")
    assert "longName" not in out


def test_new_names_are_free_and_never_longer():
    src = "var a = 1, b = 2, c;\nvar longName = a + b;\nvar x = (d) => d + longName;\n"
    out = run(src)
    # a, b, c, d, x are taken: the new name is none of them, and one letter.
    assert "var e = a + b;" in out and "d + e" in out


def test_most_used_first_and_deterministic():
    src = "var rare = 1, often = 2;\nvar z = often + often + often + rare;\n"
    out = run(src)
    assert out == run(src)
    assert "var b = 1, a = 2;" in out  # z is taken; `often` (4 uses) gets the first free name


def test_regex_at_the_start_of_a_template_placeholder():
    out = run("var longName = 1;\nvar t = `${/a}b/.test(x) ? longName : 0}`;\n")
    assert out == "var a = 1;\nvar t = `${/a}b/.test(x) ? a : 0}`;\n"


def test_declarations_without_semicolons_are_all_found():
    assert declared("var first = 1\nvar second = () => 2\nvar third\n") == [
        "first", "second", "third"]


def test_an_unterminated_string_is_a_clear_error():
    with pytest.raises(BuildError, match="unterminated"):
        run('var longName = "oops;\n')


def test_the_built_bundle_holds_no_long_name_of_the_sources(dist_dir):
    """The real widget: every name its modules declare is one or two characters in the
    bundle (a name left long would show up as a `use` token)."""
    src = Path(__file__).parent.parent / "banner_src" / "js"
    names = {n for p in src.glob("*.js") for n in declared(p.read_text(encoding="utf-8"))}
    assert {"showPreferences", "OWN_SCRIPT", "readCookies"} <= names
    bundle = next((dist_dir / "kppay").glob("consent.*.js")).read_text(encoding="utf-8")
    long_left = {text for text, _start, role in roles(bundle)
                 if role == "use" and text in names and len(text) > 2}
    assert long_left <= {"loadPack"}  # declared by packs.js, which KPpay's bundle omits


def test_a_function_expression_declares_nothing():
    src = "var wrap = (fn) => function () { return fn; };\nvar after = function named() {};\n"
    assert declared(src) == ["wrap", "after"]

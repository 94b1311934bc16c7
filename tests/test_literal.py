"""Tests for ``baseline_recsys.literal.parse_python_literal``.

Every accepted input must give exactly what ``ast.literal_eval`` gives (same values,
same types, same key order), and every rejected input must raise ``ValueError``.
"""

from __future__ import annotations

import ast
import gzip
import math
import os
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from baseline_recsys import literal
from baseline_recsys.literal import parse_python_literal

_REAL_2014_FILES = (
    "meta_Beauty.pgpr.json.gz",
    "meta_Cellphones.pgpr.json.gz",
    "meta_Digital_Music.2014-prefix.json.gz",
)
_JSON_SAMPLE = "metadata.2014-sample.json.gz"


def _data_dir() -> Path:
    """Locate ``../shared/data`` (or ``$BASELINE_RECSYS_DATA_DIR``)."""
    override = os.environ.get("BASELINE_RECSYS_DATA_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[1] / ".." / "shared" / "data"


def _lines(name: str) -> list[str]:
    """Read all lines of a shared data file, or skip the test when it is absent."""
    path = _data_dir() / name
    if not path.is_file():
        pytest.skip(f"{path} not available")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return handle.readlines()


_EXACT_BY_EQUALITY = frozenset({str, int, bool, bytes, type(None), type(...)})


def assert_identical(actual: object, expected: object, where: str = "value") -> None:
    """Assert equal values with identical types, recursively (and dict key order).

    ``int`` vs ``float`` vs ``bool``, ``list`` vs ``tuple``, ``-0.0`` vs ``0.0`` and
    the order of dict keys all count as differences.

    Args:
        actual: The value under test.
        expected: The reference value.
        where: A path to the current value, for messages.
    """
    kind = type(expected)
    assert type(actual) is kind, f"{where}: {type(actual)} != {kind}"
    if kind in _EXACT_BY_EQUALITY:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
    elif kind is float or kind is complex:
        # repr tells -0.0 from 0.0 and compares nan with nan
        assert repr(actual) == repr(expected), f"{where}: {actual!r} != {expected!r}"
    elif kind is dict:
        assert isinstance(actual, dict)
        assert len(actual) == len(expected), f"{where}: sizes differ"
        _assert_items(list(actual), list(expected), f"{where} keys")
        _assert_items(list(actual.values()), list(expected.values()), where)
    elif kind is list or kind is tuple:
        assert isinstance(actual, list | tuple)
        _assert_items(list(actual), list(expected), where)
    elif kind is set or kind is frozenset:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"
        assert sorted(map(repr, actual)) == sorted(map(repr, expected))  # type: ignore[call-overload]
    else:  # pragma: no cover - literal_eval returns nothing else
        pytest.fail(f"{where}: unexpected type {kind}")


def _assert_items(actual: list[object], expected: list[object], where: str) -> None:
    """Compare two sequences item by item with :func:`assert_identical`."""
    assert len(actual) == len(expected), f"{where}: lengths differ"
    for index, (item_a, item_e) in enumerate(zip(actual, expected, strict=True)):
        if type(item_e) in _EXACT_BY_EQUALITY and type(item_a) is type(item_e):
            if item_a == item_e:
                continue
        assert_identical(item_a, item_e, f"{where}[{index}]")


def _reference(text: str) -> tuple[bool, object]:
    """Run ``ast.literal_eval``; return (succeeded, value or exception)."""
    try:
        return True, ast.literal_eval(text)
    except Exception as exc:  # the reference may raise anything
        return False, exc


def assert_same_as_literal_eval(text: str) -> None:
    """Check ``parse_python_literal`` against ``ast.literal_eval`` on one input."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes warn in the reference
        ok, expected = _reference(text)
        if ok:
            assert_identical(parse_python_literal(text), expected, repr(text)[:80])
        else:
            with pytest.raises(ValueError):
                parse_python_literal(text)


# --------------------------------------------------------------------- real data


@pytest.mark.real_data
@pytest.mark.parametrize("name", _REAL_2014_FILES)
def test_identical_to_literal_eval_on_every_real_2014_line(name: str) -> None:
    lines = _lines(name)
    assert lines
    for number, line in enumerate(lines, 1):
        expected = ast.literal_eval(line)
        assert_identical(parse_python_literal(line), expected, f"{name}:{number}")


@pytest.mark.real_data
def test_strict_json_sample_matches_literal_eval() -> None:
    # Every third line keeps the test quick; JSON lines exercise '"' strings and,
    # where they hold true/false/null, the refusal of JSON keywords.
    for line in _lines(_JSON_SAMPLE)[::3]:
        assert_same_as_literal_eval(line)


@pytest.mark.real_data
def test_real_lines_never_need_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    # Guards the speed: every real line should take the JSON route.
    calls: list[str] = []
    real_fallback = literal.literal_eval_parser

    def counting_fallback(text: str) -> object:
        calls.append(text)
        return real_fallback(text)

    monkeypatch.setattr(literal, "literal_eval_parser", counting_fallback)
    lines = _lines("meta_Digital_Music.2014-prefix.json.gz")[:2000]
    for line in lines:
        parse_python_literal(line)
    assert not calls, calls[:3]


# ------------------------------------------------------------ hand-made corpus

_GOOD = [
    # shapes of the 2014 dumps
    "{'asin': '0000031852', 'title': \"Girls' Ballet Tutu\", 'price': 3.17, "
    "'related': {'also_bought': ['B00JHONN1S', 'B002BZX8Z6']}, "
    "'salesRank': {'Toys & Games': 211836}, "
    "'categories': [['Clothing, Shoes & Jewelry', 'Girls']]}\n",
    "{'asin': 'B1', 'description': 'He said \"hi\" and it\\'s fine\\n\\tok'}\n",
    "{'title': \"\\\"Quoted\\\" & it's\", 'x': 'back\\\\slash'}",
    # quotes and escapes
    "'it\\'s'",
    '"it\'s"',
    '"say \\"hi\\""',
    "'say \"hi\"'",
    "'a\\\\'",
    "'\\\\\\''",
    "'\\\\\\\\'",
    "'\\\\\"'",
    '"\\\\\\""',
    "'x\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\\'y'",
    "'" + "\\'" * 100 + "'",
    "'tab\\there'",
    "'nl\\nx\\r'",
    "'\\a\\b\\f\\v'",
    "'\\x41\\x7f\\xff\\x00\\x22\\x5c'",
    "'\\u00e9\\u2028\\u0022\\u005c\\u0000'",
    "'\\U0001F600\\U000000e9'",
    "'\\N{BULLET}'",
    "'\\0\\07\\101\\777\\08'",
    "'\\/'",
    "'\\d\\8\\q'",
    "'\\ud83d\\ude00'",
    "'\\ud800'",
    "'\\U0000dc00'",
    "'a\\\nb'",
    "'é€😀 \u2028\x85\ufeff\x7f'",
    "'\t'",
    "u'x'",
    "U'x'",
    "b'x\\xff'",
    "r'\\n'",
    "'a' 'b'",
    "'a' \"b\"",
    "'''x'''",
    '"""x"""',
    "''",
    '""',
    "['', \"\", '\"', \"'\"]",
    # containers
    "()",
    "(1,)",
    "(1, 2, [3, (4,)])",
    "{1, 2, 3}",
    "set()",
    "{}",
    "[]",
    "[[], {}, [[]], [{}]]",
    "{'a': {}, 'b': [], 'c': [[[]]]}",
    "{'a': (1, [2, {3}])}",
    "[" * 200 + "]" * 200,
    "[{'a': " * 100 + "1" + "}]" * 100,
    # numbers
    "0",
    "-1",
    "- 1",
    "+1",
    "--1",
    "-0",
    "-0.0",
    "0.0",
    "1e5",
    "1E-5",
    "1.5e+300",
    ".5",
    "5.",
    "1e400",
    "-1e400",
    "4.9e-324",
    "2.2250738585072014e-308",
    "1.7976931348623157e308",
    "0.1",
    "1.0000000000000002",
    "123456789012345678901234567890",
    "-123456789012345678901234567890",
    "0x1F",
    "0o17",
    "0b101",
    "1_000",
    "1j",
    "1+2j",
    "-1-2j",
    "007",
    "00",
    "1" * 4300,
    "1" * 4301,
    "[1, 2.0, -3, -4.5e-6, 7E2]",
    # keywords
    "None",
    "True",
    "False",
    "[None, True, False]",
    "{'a': None, 'b': True, 'c': False}",
    "{'None': 'True', 'x': 'false null true'}",
    "[Nonee]",
    "[TrueFalse]",
    "-True",
    "...",
    "[..., None]",
    "{'a' 'b'}",
    # whitespace
    " [1]",
    "\t[1]",
    " \t [1]",
    "[1] ",
    "[1]\n",
    "[1]\r\n",
    "[1] \t\n",
    "[1]\r",
    "\n[1]",
    "\n [1]",
    "[1]\n ",
    "[1]\n\n",
    "[ 1 ,\n 2 ]",
    "{\n'a'\n:\n1\n}",
    "[1,\t2]",
    "[1,\x0c2]",
    "[1, # comment\n 2]",
    "[1,\r2]",
    # commas
    "[1,]",
    "{'a': 1,}",
    "[,]",
    "[1,,2]",
    # duplicate keys (last value wins, first position stays)
    "{'a': 1, 'b': 2, 'a': 3}",
    "{'a': 1, 'a': 1.0}",
    "{1: 'a', True: 'b'}",
    "{'a': [1], 'a': {}}",
    # non-str keys
    "{1: 2}",
    "{(1, 2): 3}",
    "{1.5: 'x'}",
    "{None: 1}",
    "{'a': 1, 2: 'b'}",
]


@pytest.mark.parametrize("text", _GOOD)
def test_corpus_matches_literal_eval(text: str) -> None:
    assert_same_as_literal_eval(text)


@pytest.mark.parametrize("text", _GOOD)
def test_corpus_matches_literal_eval_with_line_break(text: str) -> None:
    assert_same_as_literal_eval(text + "\n")


def test_duplicate_keys_keep_first_position_last_value() -> None:
    value = parse_python_literal("{'a': 1, 'b': 2, 'a': 3}\n")
    assert list(value.items()) == [("a", 3), ("b", 2)]  # type: ignore[union-attr]


def test_escapes_decode_like_python() -> None:
    text = "'\\'\\\"\\\\\\n\\t\\x41\\101\\u00e9\\U0001F600\"'"
    assert parse_python_literal(text) == '\'"\\\n\tAAé😀"'


# --------------------------------------------------------------- hostile input


def _hostile(marker: Path) -> list[str]:
    return [
        f"__import__('os').system('touch {marker}')",
        f"{{'a': __import__('os').system('touch {marker}')}}",
        "{'a': __import__('os')}",
        "lambda: 1",
        "(lambda: 1)()",
        "[x for x in range(3)]",
        "{x: 1 for x in 'ab'}",
        "(x for x in [])",
        "f'{1+1}'",
        "f'x'",
        "print(1)",
        "{'a': print(1)}",
        "{'a': 1+1}",
        "1+1",
        "2*3",
        "x",
        "os.system",
        "().__class__",
        "[1, 2][0]",
        "not 1",
        "1 if 1 else 2",
        "import os",
        "exec('1')",
        "eval('1')",
        "open('/etc/passwd')",
        "true",
        "false",
        "null",
        "{'a': true}",
        "[null]",
        "{'a': false}",
        "NaN",
        "Infinity",
        "-Infinity",
        "[NaN]",
        "inf",
        "'unterminated",
        "{'a': 1",
        "[1, 2",
        "{'a': 'b'}}",
        "'a\\x4'",
        "'\\N{NO SUCH NAME}'",
        "'\\U00110000'",
        "'a\nb'",
        "'\ud800'",
        "\x00",
        "[1]\x00",
        "'a\x00b'",
        "",
        " ",
        "\ufeff[1]",
        "[1] [2]",
        "[1]\n [2]",
        "1" * 5000,
        "{{}: 1}",
        "{[]}",
        "[" * 201 + "]" * 201,
        "[" * 5000 + "]" * 5000,
        "{'a': " * 5000 + "1" + "}" * 5000,
        "(" * 5000 + ")" * 5000,
        "-" * 5000 + "1",
        "[" * 100_000,
    ]


def test_hostile_inputs_raise_value_error_and_run_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for text in _hostile(marker):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference_ok, _ = _reference(text)
            assert not reference_ok, f"literal_eval accepts {text[:60]!r}"
            with pytest.raises(ValueError):
                parse_python_literal(text)
    assert not marker.exists()


def test_truncated_real_line_raises() -> None:
    line = _GOOD[0]
    for cut in range(1, len(line) - 1, 7):
        assert_same_as_literal_eval(line[:cut])


def test_non_str_input_raises_value_error() -> None:
    for value in (b"[1]", None, 1, ["[1]"]):
        with pytest.raises(ValueError):
            parse_python_literal(value)  # type: ignore[arg-type]


def test_invalid_utf8_decoded_leniently() -> None:
    raw = b"{'asin': 'B1', 'title': 'caf\xc3\xa9 \xff\xfe end'}\n"
    replaced = raw.decode("utf-8", errors="replace")
    assert_same_as_literal_eval(replaced)
    assert parse_python_literal(replaced)["title"] == "café \ufffd\ufffd end"  # type: ignore[index]
    escaped = raw.decode("utf-8", errors="surrogateescape")
    with pytest.raises(ValueError):
        parse_python_literal(escaped)


def test_ten_megabyte_lines_are_handled_quickly() -> None:
    big = "a" * 10_000_000
    start = time.perf_counter()
    assert parse_python_literal(f"{{'k': '{big}'}}\n") == {"k": big}
    assert parse_python_literal(f"'{big}'") == big
    with pytest.raises(ValueError):  # unterminated
        parse_python_literal(f"{{'k': '{big}}}\n")
    with pytest.raises(ValueError):  # not a literal at the very end
        parse_python_literal(f"['{big}', x]")
    assert time.perf_counter() - start < 30


def test_module_never_calls_eval_exec_or_compile() -> None:
    tree = ast.parse(Path(literal.__file__).read_text(encoding="utf-8"))
    forbidden = {"eval", "exec", "compile", "__import__", "getattr", "globals"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in forbidden, node.func.id


# ------------------------------------------------------------------ property


def _values() -> Callable[[], object]:
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    leaves = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text()
        | st.binary(max_size=8)
    )
    return st.recursive(
        leaves,
        lambda children: st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=6), children, max_size=4)
        | st.dictionaries(st.integers() | st.none(), children, max_size=3),
        max_leaves=12,
    )


def test_repr_of_random_values_round_trips() -> None:
    hypothesis = pytest.importorskip("hypothesis")

    @hypothesis.settings(max_examples=150, deadline=None)
    @hypothesis.given(_values())
    def check(value: object) -> None:
        text = repr(value)
        assert_same_as_literal_eval(text)
        assert_same_as_literal_eval(text + "\n")

    check()


def test_random_text_behaves_like_literal_eval() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    pieces = st.sampled_from(
        list("'\"\\[]{}():,-+.eE0123456789 \n\tabnrtuxU#")
        + ["True", "None", "true", "null", "\\x4", "\\u00e9", "\\ud800", "é", "'''"]
    )

    @hypothesis.settings(max_examples=300, deadline=None)
    @hypothesis.given(st.lists(pieces, max_size=16).map("".join))
    def check(text: str) -> None:
        assert_same_as_literal_eval(text)
        assert_same_as_literal_eval("{'k': [" + text + "]}\n")

    check()


def _iter_escape_bodies() -> Iterator[str]:
    escapes = [
        "\\\\",
        "\\'",
        '\\"',
        "\\n",
        "\\x41",
        "\\101",
        "\\u00e9",
        "\\q",
        "'",
        '"',
    ]
    for first in escapes:
        for second in escapes:
            yield "a" + first + second + "z"


def test_pairs_of_escapes_in_both_quote_styles() -> None:
    for body in _iter_escape_bodies():
        for quote in ("'", '"'):
            text = "{'k': [" + quote + body + quote + ", 'x']}\n"
            assert_same_as_literal_eval(text)


def test_floats_match_python_parsing() -> None:
    for text in ("0.1", "1e-320", "9007199254740993", "9007199254740993.0", "1e22"):
        value = parse_python_literal(f"[{text}, -{text}]")
        assert_identical(value, ast.literal_eval(f"[{text}, -{text}]"))
    assert math.copysign(1.0, parse_python_literal("-0.0")) == -1.0  # type: ignore[arg-type]

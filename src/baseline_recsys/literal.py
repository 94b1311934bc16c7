"""Fast, safe parsing of single Python-literal lines (McAuley's 2014 Amazon dumps).

The 2014 Amazon metadata files hold one ``repr`` of a Python ``dict`` per line, for
example ``{'asin': '0000031852', 'title': "Girls' Ballet Tutu", 'price': 3.17}``.
:func:`ast.literal_eval` reads them correctly and safely but slowly (about 10 MB/s),
because it tokenises, builds a full syntax tree and then walks it.
:func:`parse_python_literal` returns exactly what :func:`ast.literal_eval` returns,
more than ten times faster on real lines.

Design
------
Almost every real line consists only of dicts, lists, ``str``, ``int``, ``float``
(rarely ``True``/``False``/``None``): a subset of Python literal syntax that maps
one-to-one onto JSON. Such lines are rewritten as JSON text and decoded by the C
scanner of :mod:`json`; everything else goes to :func:`ast.literal_eval`.

1. **Quote swap** (no ``"`` and no backslash in the line). Then ``'`` can only
   delimit strings that hold no escape, so replacing every ``'`` by ``"`` (one
   ``str.replace``, in C) spells the same strings in JSON.
2. **Segments** (the line has ``"`` or ``\\``). ``str.find`` locates each ``"`` and
   ``\\``; the parity of the ``'`` count since the previous string tells whether it
   lies inside a single-quoted string or opens a double-quoted one. Only those few
   strings are rewritten in Python code: split at their backslashes, the escapes
   Python's ``repr`` writes (``\\' \\" \\\\ \\n \\t`` ...) map onto JSON escapes and
   bare ``"`` are escaped; a string with any other escape (``\\x``, ``\\u``, octal,
   ``\\N{...}``...) is decoded by the ``unicode_escape`` codec (the decoder CPython's
   own parser uses for string literals) and re-encoded by :mod:`json`. The text
   between those strings gets the quote swap of step 1.
3. **Check of the decoded value.** Steps 1 and 2 never produce JSON ``true``/
   ``false``/``null``, so a ``bool`` or ``None`` in the decoded value betrays such
   a word outside strings (a name to Python: refused). The same walk bounds the
   nesting depth. Walking the value is cheaper than searching the text.
4. **Keyword scanner** (steps 1 to 3 failed and the line contains ``True``,
   ``False`` or ``None``). One compiled regular expression walks the line as runs of
   plain text (JSON punctuation, whitespace, number characters and simple
   single-quoted strings) separated by tokens to rewrite: strings as in step 2 and
   ``True``/``False``/``None``, which become ``true``/``false``/``null``. Any other
   character outside a string (a letter, a ``(``, a comment, a string prefix, a line
   continuation...) stops it.
5. **Fallback:** :func:`ast.literal_eval` for whatever the steps above decline or
   the JSON decoder refuses (tuples, sets, bytes, complex numbers, ``1_000``,
   ``+1``, implicit string concatenation, surrogates, invalid escapes, trailing
   commas, malformed input...). Its result is the reference by definition. Its
   exceptions (``SyntaxError``, ``RecursionError``, ``MemoryError``, ``TypeError``,
   ``UnicodeEncodeError``...) are re-raised as :class:`ValueError`.

Why the JSON reading equals the Python reading whenever the decoder accepts the text:
the rewrite copies every character outside strings unchanged and turns each Python
string into a JSON string with the same value, along a string/outside partition that
agrees with Python's tokenizer up to the first construct the rewrite does not model
(comment, prefix, triple quote, line continuation). Each of those leaves characters
outside strings that JSON refuses (``#``, letters, two adjacent strings, ``\\``).
JSON's own words are caught by step 3 (step 4 refuses them outside strings), and
``NaN``/``Infinity`` by a ``parse_constant`` hook. JSON numbers are a subset of
Python number syntax, and both languages convert them with the same correctly
rounded ``int``/``float`` constructors; duplicate keys keep their first position and
last value in both; raw surrogates stay unpaired in both. The remaining differences
are screened: lone surrogates in the line (the Python parser cannot encode them),
nesting deeper than the parser's 200 brackets, raw control characters in strings
(``strict`` JSON refuses them) and top-level line breaks followed by indentation
(``IndentationError``).

Safety
------
Nothing in this module can execute code from the input. The fast path applies only
regular expressions, ``str`` methods and two text codecs (``unicode_escape``, which
turns escape sequences into characters, and :mod:`json`'s string encoder) to the text,
and hands the result to the C JSON scanner, a pure data parser that builds ``dict``/
``list``/``str``/``int``/``float``/``bool``/``None`` objects and calls no hook but
our own ``parse_constant``, which only raises. The fallback, :func:`ast.literal_eval`, parses the text into a
syntax tree and converts literal nodes only: it never compiles to bytecode, never
runs anything, and rejects names, calls, attribute access, comprehensions, lambdas
and f-strings. No ``eval``, ``exec`` or ``compile`` appears here. Resources stay
bounded: the regular expressions use possessive quantifiers (linear time, no
backtracking), the recursive JSON scanner and value walk stop at Python's recursion
limit (caught), and the Python parser refuses more than 200 nested brackets with an
error reported as ``ValueError``.
"""

from __future__ import annotations

import ast
import json
import json.encoder
import re
from typing import Final

__all__ = ["parse_python_literal"]

# CPython's tokenizer refuses more than 200 simultaneously open brackets ("too many
# nested parentheses"). Step 4 skips lines with at least this many '[' + '{'; step 3
# bounds the depth of the decoded value instead. Any bound up to 200 is exact: deeper
# lines go to ast.literal_eval, which decides.
_MAX_BRACKETS: Final = 200
_MAX_DEPTH: Final = 100

_BLANKS: Final = (" ", "\t")

_PY_TO_JSON_KEYWORD: Final = {"True": "true", "False": "false", "None": "null"}

# Python string literals without prefix and without escaped line breaks. The
# quantifiers are possessive: a failed match never backtracks.
_SQ_TOKEN: Final = re.compile(r"'[^'\\\n\r]*+(?:\\[^\n\r][^'\\\n\r]*+)*+'")
_DQ_TOKEN: Final = re.compile(r'"[^"\\\n\r]*+(?:\\[^\n\r][^"\\\n\r]*+)*+"')

# Step 4: a (possibly empty) run of plain text, then at most one token to rewrite.
_CHUNK: Final = re.compile(
    r"""
    ((?: [ \t\n\r\[\]{}:,0-9.eE+\-]++ | '[^'"\\\n\r]*+' )*+)   # 1: plain text
    (?:
        ('[^'\\\n\r]*+(?:\\[^\n\r][^'\\\n\r]*+)*+')             # 2: '...' to rewrite
      | ("[^"\\\n\r]*+(?:\\[^\n\r][^"\\\n\r]*+)*+")             # 3: "..."
      | (True|False|None)                                      # 4: keyword
    )?
    """,
    re.VERBOSE,
)

# A backslash before a character that starts no escape Python knows, or an octal
# escape above 0o377: Python keeps the former and deprecates both, with a warning.
# Searched naively (a match may start on the second backslash of an escaped
# backslash), so a match is only a reason to look closer.
_SUSPECT_ESCAPE: Final = re.compile(r"\\(?:[^\\'\"abfnrtvx0-7NuU]|[4-7][0-7][0-7])")
_ESCAPE_PAIR: Final = re.compile(r"\\([4-7][0-7][0-7]|.)", re.DOTALL)
_ESCAPE_STARTS: Final = frozenset("\\'\"abfnrtvx01234567NuU")

# JSON spelling of the character after a backslash, for the escapes Python's repr
# writes (bare quotes are escaped afterwards).
_JSON_ESCAPES: Final = {
    "'": "'",
    '"': '"',
    "n": "\\n",
    "r": "\\r",
    "t": "\\t",
    "b": "\\b",
    "f": "\\f",
    "a": "\\u0007",
    "v": "\\u000b",
}

_SURROGATE: Final = re.compile("[\ud800-\udfff]")

# Top-level whitespace that Python accepts after a literal: blanks, then at most one
# line break (an indented last line would be an IndentationError).
_TRAILING_OK: Final = re.compile(r"[ \t]*+(?:\r?\n)?\Z")


class _NotFast(ValueError):
    """Raised internally when a text is outside the fast path's subset."""


def _reject_constant(name: str) -> object:
    """Refuse JSON's ``NaN``/``Infinity``/``-Infinity``, which are not literals.

    Args:
        name: The constant's spelling.

    Returns:
        Never returns.

    Raises:
        _NotFast: Always.
    """
    raise _NotFast(f"JSON constant {name}")


_DECODER: Final = json.JSONDecoder(strict=True, parse_constant=_reject_constant)
_SCAN: Final = _DECODER.scan_once
_encode_json_string: Final = json.encoder.encode_basestring  # C version if built


def _warning_free(body: str) -> bool:
    """Check that every escape in a string body is one Python accepts silently.

    Args:
        body: The characters between the delimiters of a string literal.

    Returns:
        Whether no escape is invalid (such as ``\\d``) or an octal escape above
        ``\\377``, taking escaped backslashes into account.
    """
    if _SUSPECT_ESCAPE.search(body) is None:
        return True
    for escaped in _ESCAPE_PAIR.findall(body):  # pairs backslashes left to right
        if len(escaped) > 1 or escaped not in _ESCAPE_STARTS:
            return False
    return True


def _string_to_json(body: str, single: bool) -> str:
    """Rewrite the body of a Python string literal as a JSON string literal.

    A body without backslash is copied (bare ``"`` escaped). Otherwise it is split
    at its backslashes: an empty piece marks an escaped backslash (Python pairs
    backslashes left to right, and so does this walk), and any other piece starts
    with the escaped character. The escapes Python's ``repr`` writes (``\\\\ \\'
    \\" \\n \\r \\t``, also ``\\a \\b \\f \\v``) map onto JSON escapes; for any other
    escape the whole body goes to :func:`_string_by_codec`.

    Args:
        body: The characters between the delimiters of a string literal without
            prefix.
        single: Whether the delimiters are ``'`` (a bare ``"`` may then occur).

    Returns:
        A JSON string literal, quotes included, denoting the same ``str``. Raw
        control characters are left raw, for the strict JSON decoder to refuse.

    Raises:
        _NotFast: For bodies outside the supported subset.
    """
    if "\\" not in body:
        return '"' + (body.replace('"', '\\"') if single else body) + '"'
    if body.count("\\") > 64:  # many escapes: the codec does them in C
        return _string_by_codec(body)
    pieces = body.split("\\")
    out = [pieces[0]]
    last = len(pieces) - 1
    index = 1
    while index <= last:
        piece = pieces[index]
        if piece:
            escape = _JSON_ESCAPES.get(piece[0])
            if escape is None:
                return _string_by_codec(body)
            out += (escape, piece[1:])
            index += 1
        elif index < last:  # an escaped backslash; the next piece is plain text
            out += ("\\\\", pieces[index + 1])
            index += 2
        else:
            raise _NotFast("lone backslash at the end of a string")
    json_body = "".join(out)
    if '"' in json_body:  # bare ones and those from \" (now bare too)
        json_body = json_body.replace('"', '\\"')
    return '"' + json_body + '"'


def _string_by_codec(body: str) -> str:
    """Rewrite a string body with uncommon escapes as a JSON string literal.

    The body is decoded by the ``unicode_escape`` codec, the very decoder that
    CPython's parser applies to string literals (non-Latin-1 characters survive as
    ``backslashreplace`` escapes), and re-encoded by :mod:`json`'s string encoder,
    which gives Python's value by construction.

    Args:
        body: The characters between the delimiters of a string literal without
            prefix.

    Returns:
        A JSON string literal, quotes included, denoting the same ``str``.

    Raises:
        _NotFast: For bodies Python refuses or warns about (raw NUL or line
            break, invalid or malformed escapes), and line continuations.
    """
    if "\n" in body or "\r" in body or "\x00" in body or not _warning_free(body):
        raise _NotFast("string body outside the fast subset")
    try:
        value = body.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except (UnicodeError, Warning) as exc:  # malformed \x, \N{...}, \U...
        raise _NotFast("malformed escape") from exc
    return _encode_json_string(value)


def _closing_quote(text: str, quote: str, start: int) -> int:
    """Find where the string literal opened at ``start`` ends.

    Python pairs backslashes left to right, so a quote ends the literal unless an
    odd run of backslashes precedes it. Raw line breaks are not looked for: the JSON
    decoder refuses them in strings, and refuses a backslash before one.

    Args:
        text: The input line.
        quote: The delimiter, ``'`` or ``"``.
        start: The index of the opening delimiter.

    Returns:
        The index of the closing delimiter.

    Raises:
        _NotFast: If the literal is not terminated.
    """
    find = text.find
    end = find(quote, start + 1)
    escaped = 0
    while end > 0 and text[end - 1] == "\\":
        run = end - 1
        while text[run - 1] == "\\" and end - run <= 8:  # stops at the opening quote
            run -= 1
        escaped += 1
        if end - run > 8 or escaped > 16:  # many backslashes: leave it to the regex
            token = (_SQ_TOKEN if quote == "'" else _DQ_TOKEN).match(text, start)
            if token is None:
                raise _NotFast("unsupported string literal")
            return token.end() - 1
        if not (end - run) & 1:
            break
        end = find(quote, end + 1)
    if end < 0:
        raise _NotFast("unterminated string literal")
    return end


def _segments_to_json(text: str) -> str:
    """Rewrite a line holding ``"`` or ``\\`` as JSON (step 2).

    Args:
        text: The input line.

    Returns:
        The JSON text.

    Raises:
        _NotFast: If the line is outside the supported subset.
    """
    find = text.find
    out: list[str] = []
    pos = 0
    dquote = find('"')
    backslash = find("\\")
    while dquote >= 0 or backslash >= 0:
        special = dquote if backslash < 0 or 0 <= dquote < backslash else backslash
        # text[pos:special] has neither '"' nor '\\': its "'" all delimit plain strings
        if text.count("'", pos, special) & 1:  # special is inside a '...' string
            start = text.rfind("'", pos, special)
            end = _closing_quote(text, "'", start)
            string = _string_to_json(text[start + 1 : end], True)
        elif special == dquote:
            start = special
            end = _closing_quote(text, '"', start)
            string = _string_to_json(text[start + 1 : end], False)
        else:
            raise _NotFast("backslash outside a string")
        out += (text[pos:start].replace("'", '"'), string)
        pos = end + 1
        if 0 <= dquote < pos:
            dquote = find('"', pos)
        if 0 <= backslash < pos:
            backslash = find("\\", pos)
    out.append(text[pos:].replace("'", '"'))
    return "".join(out)


def _chunk_to_json(match: re.Match[str]) -> str:
    """Rewrite one ``_CHUNK`` match as JSON text (step 4).

    Args:
        match: A match of ``_CHUNK``.

    Returns:
        The JSON text for the matched span.

    Raises:
        _NotFast: If the scanner stopped before the end of the text, or for strings
            outside the supported subset.
    """
    plain = match.group(1).replace("'", '"')
    which = match.lastindex
    if which == 1:
        if match.end() != len(match.string):
            raise _NotFast("unsupported token")
        return plain
    token = match.group(which)
    if which == 4:
        return plain + _PY_TO_JSON_KEYWORD[token]
    return plain + _string_to_json(token[1:-1], token[0] == "'")


def _screen(text: str) -> bool:
    """Check what JSON would accept but Python refuses: deep nesting, surrogates.

    Args:
        text: The input line.

    Returns:
        Whether the line may take the JSON route.
    """
    return text.count("[") + text.count("{") < _MAX_BRACKETS and (
        text.isascii() or _SURROGATE.search(text) is None
    )


def _fits(container: dict[str, object] | list[object], depth: int) -> bool:
    """Check a decoded container for JSON keywords and for deep nesting.

    Steps 1 and 2 never turn a Python literal into JSON ``true``/``false``/``null``,
    so a ``bool`` or ``None`` in their result means the line held a JSON keyword
    (a name to Python). Checking the decoded value is much cheaper than searching
    the text for the three words.

    Args:
        container: A decoded ``dict`` or ``list``.
        depth: How many containers enclose ``container``, itself included.

    Returns:
        Whether ``container`` holds only ``str``/``int``/``float`` and containers
        that fit, nested at most ``_MAX_DEPTH`` deep.
    """
    if depth > _MAX_DEPTH:
        return False
    for item in container.values() if type(container) is dict else container:
        kind = type(item)
        if kind is str or kind is float or kind is int:  # bool is not int here
            continue
        if kind is list:
            if item and type(item[0]) is str:
                try:  # fast check for the usual list of str (TypeError otherwise)
                    "".join(item)
                except TypeError:
                    pass
                else:
                    continue
            if _fits(item, depth + 1):
                continue
        elif kind is dict and _fits(item, depth + 1):
            continue
        return False
    return True


def _via_json(text: str) -> object:
    """Parse a line by steps 1 to 3 (no ``True``/``False``/``None`` outside strings).

    Args:
        text: The input line, free of lone surrogates.

    Returns:
        The value, identical to what ``ast.literal_eval`` returns.

    Raises:
        _NotFast: If the line is outside the supported subset.
    """
    json_text = (
        _segments_to_json(text)
        if '"' in text or "\\" in text
        else text.replace("'", '"')
    )
    if json_text.startswith(_BLANKS):
        value = _decode(json_text)
    else:  # _decode, inlined for speed
        try:
            value, end = _SCAN(json_text, 0)
        except (StopIteration, ValueError, RecursionError) as exc:
            raise _NotFast("JSON decoder refused the rewrite") from exc
        size = len(json_text)
        if end != size and not (end == size - 1 and json_text[end] == "\n"):
            if _TRAILING_OK.match(json_text, end) is None:
                raise _NotFast("trailing text")
    kind = type(value)
    if kind is dict or kind is list:
        if _fits(value, 1):
            return value
    elif kind is str or kind is int or kind is float:
        return value
    raise _NotFast("JSON keyword or deep nesting")


def _decode(json_text: str) -> object:
    """Decode JSON text produced by the rewrite, checking top-level whitespace.

    ``ast.literal_eval`` strips leading blanks but refuses a top-level line break
    followed by indentation, so the JSON text may start with blanks only and end
    with blanks and at most one line break (the rewrite leaves both ends as they
    were).

    Args:
        json_text: The rewritten line.

    Returns:
        The decoded value.

    Raises:
        _NotFast: If the decoder refuses the text or the whitespace does not fit.
    """
    start = 0
    if json_text.startswith(_BLANKS):
        start = len(json_text) - len(json_text.lstrip(" \t"))
    try:
        value, end = _SCAN(json_text, start)
    except (StopIteration, ValueError, RecursionError) as exc:
        raise _NotFast("JSON decoder refused the rewrite") from exc
    if (
        end != len(json_text)
        and json_text[end:] != "\n"
        and _TRAILING_OK.match(json_text, end) is None
    ):
        raise _NotFast("trailing text")
    return value


def literal_eval_parser(text: str) -> object:
    """Run :func:`ast.literal_eval` (the slow reference), every failure a ``ValueError``.

    Args:
        text: The input line.

    Returns:
        The literal's value.

    Raises:
        ValueError: If ``text`` is not a valid literal, or parsing it failed.
    """
    try:
        return ast.literal_eval(text)
    except Exception as exc:  # SyntaxError, RecursionError, MemoryError, TypeError...
        reason = f"{type(exc).__name__}: {exc}"
        if len(reason) > 200:
            reason = reason[:197] + "..."
        raise ValueError(f"not a Python literal ({reason})") from exc


def parse_python_literal(text: str) -> object:
    """Parse one Python literal (as ast.literal_eval would) without executing anything.

    The result equals ``ast.literal_eval(text)`` object for object, types included
    (``int`` vs ``float``, ``tuple`` vs ``list``...). Dicts, lists, strings, numbers
    and ``True``/``False``/``None`` are rewritten as JSON and decoded by the C JSON
    scanner; anything else is handed to :func:`ast.literal_eval`. Nothing is ever
    executed.

    Args:
        text: One literal, e.g. one line of a 2014 Amazon metadata dump; a trailing
            line break is allowed.

    Returns:
        The value of the literal.

    Raises:
        ValueError: For anything that is not a literal (names, calls, operators
            other than on number literals, JSON ``true``/``null``, more than 200
            nested brackets, lone surrogates, ...) and for non-``str`` input. No
            other exception type escapes.

    Example:
        >>> parse_python_literal("{'asin': 'B0001', 'price': 3.17, 'n': None}\\n")
        {'asin': 'B0001', 'price': 3.17, 'n': None}
    """
    if not isinstance(text, str):
        raise ValueError(f"expected str, got {type(text).__name__}")
    if text.isascii() or _SURROGATE.search(text) is None:
        try:
            return _via_json(text)
        except (_NotFast, RecursionError, MemoryError):
            pass
        if ("True" in text or "False" in text or "None" in text) and _screen(text):
            try:
                return _decode(_CHUNK.sub(_chunk_to_json, text))
            except (_NotFast, RecursionError, MemoryError):
                pass
    return literal_eval_parser(text)

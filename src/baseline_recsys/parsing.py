"""Parse and normalise single lines of McAuley's Amazon metadata dumps.

Three formats exist, and each line is recognised on its own:

1. **2014, Python literal** (``meta_<Category>.json.gz``): one Python ``dict``
   literal per line, single-quoted. It is *not* JSON; the original loader called
   ``eval`` on it. We never do: lines are parsed by a safe literal parser (by
   default :func:`baseline_recsys.literal.parse_python_literal`, which returns
   exactly what :func:`ast.literal_eval` returns, only faster).
2. **2014, strict JSON** (the all-category ``metadata.json``): same fields, double
   quotes. Parsed with :func:`json.loads`.
3. **2018, strict JSON** (Ni et al., EMNLP 2019): related products live at the top
   level as ``also_buy`` / ``also_view``, the categories as one ``category`` path,
   the price as a string such as ``"$1,250.00"`` and the sales rank as text such as
   ``"1,786 in Gift Cards ("``.

:func:`normalise_record` maps all three onto one :class:`ProductRecord`, with
relationship names normalised (``also_buy`` → ``also_bought``, ``also_view`` →
``also_viewed``). Anything malformed raises :class:`RejectedLine` with a short,
stable reason code that the ingest report counts.

McAuley et al., "Image-based recommendations on styles and substitutes", SIGIR 2015;
Ni, Li and McAuley, "Justifying recommendations using distantly-labeled reviews and
fine-grained aspects", EMNLP 2019.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from baseline_recsys.literal import parse_python_literal

LineParser = Callable[[str], Any]
"""A function that turns one line of text into a Python object, or raises."""

#: Relationship names as they appear in the dumps → the names used downstream.
RELATIONSHIP_ALIASES: dict[str, str] = {
    "also_bought": "also_bought",
    "also_viewed": "also_viewed",
    "bought_together": "bought_together",
    "buy_after_viewing": "buy_after_viewing",
    "also_buy": "also_bought",  # 2018
    "also_view": "also_viewed",  # 2018
}

#: 2018 top-level keys that hold related-product lists.
_TOP_LEVEL_RELATED_2018 = ("also_buy", "also_view")

#: Reason codes for rejected lines (the keys of the ingest report's counts).
REJECT_REASONS = (
    "invalid_utf8",
    "line_too_long",
    "unparsable",
    "not_a_dict",
    "missing_asin",
    "bad_asin",
    "bad_related",
)

_PRICE_RE = re.compile(r"^\s*\$?\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*$")
_RANK_RE = re.compile(r"#?([0-9][0-9,]*)\s+in\s+([^(\n]*?)\s*(?:\(|$)")


class RejectedLine(ValueError):
    """A line that cannot become a product, with a stable reason code.

    Attributes:
        reason: One of :data:`REJECT_REASONS`.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        """Create the error.

        Args:
            reason: One of :data:`REJECT_REASONS`.
            detail: A human-readable explanation.
        """
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(slots=True)
class ProductRecord:
    """One product, normalised across the three dump formats.

    Attributes:
        asin: Amazon's product id.
        title: Product title, if any.
        brand: Brand, if any.
        price: Price in dollars, if it is a single number.
        sales_rank: Sales rank in ``sales_rank_category``, if any.
        sales_rank_category: The category the sales rank refers to.
        main_category: The top-level category (first element of the first path,
            or the 2018 ``main_cat``).
        categories: Category paths, each a list from general to specific.
        related: Normalised relationship name → list of related ASINs (in file
            order, duplicates within a list removed).
    """

    asin: str
    title: str | None = None
    brand: str | None = None
    price: float | None = None
    sales_rank: int | None = None
    sales_rank_category: str | None = None
    main_category: str | None = None
    categories: list[list[str]] = field(default_factory=list)
    related: dict[str, list[str]] = field(default_factory=dict)


def default_python_parser() -> LineParser:
    """Return the default safe Python-literal parser.

    Returns:
        :func:`baseline_recsys.literal.parse_python_literal`, which returns what
        :func:`ast.literal_eval` (:func:`~baseline_recsys.literal.literal_eval_parser`)
        returns, only faster.
    """
    return parse_python_literal


def parse_line(text: str, python_parser: LineParser) -> Any:
    """Parse one line, as strict JSON if it is JSON, else as a Python literal.

    JSON is tried first because :func:`json.loads` is the fastest safe parser and
    every strict-JSON line is unambiguous; a Python-literal line fails it at the
    first single quote, cheaply.

    Args:
        text: One line, without its line ending.
        python_parser: The safe Python-literal parser to fall back to.

    Returns:
        The parsed object.

    Raises:
        RejectedLine: ``unparsable`` if neither parser accepts the line.
    """
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        pass
    try:
        return python_parser(text)
    except (ValueError, SyntaxError, RecursionError, MemoryError, TypeError) as exc:
        raise RejectedLine("unparsable", str(exc)[:100]) from exc


def _optional_str(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def _parse_price(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        match = _PRICE_RE.match(value)
        if match:
            return float(match.group(1).replace(",", ""))
    return None


def _parse_sales_rank(value: Any) -> tuple[int | None, str | None]:
    """Read a 2014 ``salesRank`` dict or a 2018 ``rank`` string / list of strings."""
    if isinstance(value, dict):
        for category, rank in value.items():
            if isinstance(rank, int) and not isinstance(rank, bool):
                return rank, _optional_str(category)
        return None, None
    if isinstance(value, list):
        for item in value:
            rank = _parse_sales_rank(item)
            if rank[0] is not None:
                return rank
        return None, None
    if isinstance(value, str):
        match = _RANK_RE.search(value)
        if match:
            return int(match.group(1).replace(",", "")), _optional_str(match.group(2))
    return None, None


def _parse_categories(record: dict[str, Any]) -> list[list[str]]:
    raw = record.get("categories")
    if raw is None and isinstance(record.get("category"), list):  # 2018: one path
        raw = [record["category"]]
    if not isinstance(raw, list):
        return []
    paths: list[list[str]] = []
    for path in raw:
        if isinstance(path, list):
            clean = [c.strip() for c in path if isinstance(c, str) and c.strip()]
            if clean:
                paths.append(clean)
    return paths


def _related_lists(record: dict[str, Any]) -> dict[str, Any]:
    """Collect the raw related lists of a 2014 (``related``) or 2018 record."""
    if "related" in record:
        related = record["related"]
        if related is None:
            return {}
        if not isinstance(related, dict):
            raise RejectedLine(
                "bad_related", f"'related' is {type(related).__name__}, not dict"
            )
        return related
    return {k: record[k] for k in _TOP_LEVEL_RELATED_2018 if k in record}


def _normalise_related(raw: dict[str, Any]) -> dict[str, list[str]]:
    related: dict[str, list[str]] = {}
    for kind, ids in raw.items():
        if not isinstance(kind, str):
            raise RejectedLine("bad_related", f"relationship name {kind!r}")
        if not isinstance(ids, list | tuple):
            raise RejectedLine(
                "bad_related", f"'{kind}' is {type(ids).__name__}, not a list"
            )
        for item in ids:
            if not isinstance(item, str) or not item:
                raise RejectedLine("bad_related", f"'{kind}' holds {item!r}")
        name = RELATIONSHIP_ALIASES.get(kind, kind.strip().lower())
        if ids:
            merged = related.setdefault(name, [])
            merged.extend(ids)
    # Drop duplicates within a list (order kept): a list names each product once.
    return {k: list(dict.fromkeys(v)) for k, v in related.items()}


def normalise_record(obj: Any) -> ProductRecord:
    """Turn one parsed line (of any of the three formats) into a product.

    Args:
        obj: What the line parsed to.

    Returns:
        The normalised product.

    Raises:
        RejectedLine: With reason ``not_a_dict``, ``missing_asin``, ``bad_asin``
            or ``bad_related``.
    """
    if not isinstance(obj, dict):
        raise RejectedLine("not_a_dict", f"top level is {type(obj).__name__}")
    if "asin" not in obj:
        raise RejectedLine("missing_asin")
    asin = obj["asin"]
    if not isinstance(asin, str) or not asin.strip():
        raise RejectedLine("bad_asin", f"asin is {asin!r:.40}")
    related = _normalise_related(_related_lists(obj))
    categories = _parse_categories(obj)
    main_category = _optional_str(obj.get("main_cat"))
    if main_category is None and categories:
        main_category = categories[0][0]
    rank, rank_category = _parse_sales_rank(
        obj["salesRank"] if "salesRank" in obj else obj.get("rank")
    )
    return ProductRecord(
        asin=asin.strip(),
        title=_optional_str(obj.get("title")),
        brand=_optional_str(obj.get("brand")),
        price=_parse_price(obj.get("price")),
        sales_rank=rank,
        sales_rank_category=rank_category,
        main_category=main_category,
        categories=categories,
        related=related,
    )


def parse_raw_line(raw: bytes, python_parser: LineParser) -> ProductRecord:
    """Decode one raw line (UTF-8, a leading byte order mark dropped) into a product.

    Args:
        raw: The line's bytes, without its line ending.
        python_parser: The safe Python-literal parser.

    Returns:
        The normalised product.

    Raises:
        RejectedLine: ``invalid_utf8``, or any reason of :func:`parse_line` and
            :func:`normalise_record`.
    """
    try:
        text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RejectedLine("invalid_utf8", str(exc)[:100]) from exc
    return normalise_record(parse_line(text, python_parser))

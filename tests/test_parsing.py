"""Tests of line parsing and normalisation across the three dump formats."""

from __future__ import annotations

import ast
import gzip
import json

import pytest

from baseline_recsys.literal import literal_eval_parser, parse_python_literal
from baseline_recsys.parsing import (
    RejectedLine,
    normalise_record,
    parse_line,
)
from tests.conftest import real_file


def test_2014_python_literal_is_normalised():
    line = (
        "{'asin': 'X1', 'title': 'T', 'price': 2.0, 'brand': ' B ', 'salesRank': {'Toys': 5}, "
        "'categories': [['Toys', 'Cars'], ['Gifts']], "
        "'related': {'also_bought': ['Y', 'Y', 'Z'], 'bought_together': ['Y']}}"
    )
    rec = normalise_record(parse_line(line, parse_python_literal))
    assert rec.asin == "X1"
    assert rec.brand == "B"
    assert rec.price == 2.0
    assert (rec.sales_rank, rec.sales_rank_category) == (5, "Toys")
    assert rec.categories == [["Toys", "Cars"], ["Gifts"]]
    assert rec.main_category == "Toys"
    # duplicates within one list are dropped, order kept
    assert rec.related == {"also_bought": ["Y", "Z"], "bought_together": ["Y"]}


def test_2018_json_maps_relationship_names_price_and_rank():
    line = json.dumps(
        {
            "asin": "G1",
            "title": "Card",
            "also_buy": ["G2"],
            "also_view": ["G3", "G4"],
            "price": "$1,250.00",
            "rank": ["1,786 in Gift Cards ("],
            "category": ["Gift Cards", "Restaurants"],
            "main_cat": "Grocery",
        }
    )
    rec = normalise_record(parse_line(line, parse_python_literal))
    assert rec.related == {"also_bought": ["G2"], "also_viewed": ["G3", "G4"]}
    assert rec.price == 1250.0
    assert (rec.sales_rank, rec.sales_rank_category) == (1786, "Gift Cards")
    assert rec.categories == [["Gift Cards", "Restaurants"]]
    assert rec.main_category == "Grocery"


def test_2018_price_range_and_empty_strings_become_none():
    rec = normalise_record(
        {"asin": "Q", "price": "$3.00 - $9.00", "rank": "", "brand": ""}
    )
    assert rec.price is None and rec.sales_rank is None and rec.brand is None


@pytest.mark.parametrize(
    ("obj", "reason"),
    [
        ([1, 2], "not_a_dict"),
        (5, "not_a_dict"),
        ({"title": "x"}, "missing_asin"),
        ({"asin": ""}, "bad_asin"),
        ({"asin": 12}, "bad_asin"),
        ({"asin": "A", "related": ["B"]}, "bad_related"),
        ({"asin": "A", "related": {"also_bought": "B"}}, "bad_related"),
        ({"asin": "A", "related": {"also_bought": [1, 2]}}, "bad_related"),
        ({"asin": "A", "related": {"also_bought": [None]}}, "bad_related"),
        ({"asin": "A", "also_buy": "B"}, "bad_related"),
        ({"asin": "A", "related": {"also_bought": {"B", "C"}}}, "bad_related"),
    ],
)
def test_malformed_records_are_rejected_with_a_reason(obj, reason):
    with pytest.raises(RejectedLine) as info:
        normalise_record(obj)
    assert info.value.reason == reason


def test_unparsable_line_is_rejected_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    for text in [
        f"__import__('os').system('touch {marker}')",
        f"{{'asin': __import__('os').system('touch {marker}')}}",
        "{'asin': 'A'",
        "{'asin': (lambda: 1)()}",
    ]:
        with pytest.raises(RejectedLine) as info:
            parse_line(text, parse_python_literal)
        assert info.value.reason == "unparsable"
    assert not marker.exists()


def test_literal_eval_parser_wraps_errors_in_value_error():
    with pytest.raises(ValueError, match="not a Python literal"):
        literal_eval_parser("{'a': f(1)}")
    assert literal_eval_parser("{'a': [1, 'b']}") == {"a": [1, "b"]}


@pytest.mark.real_data
def test_parser_matches_literal_eval_on_every_raw_2014_line():
    path = real_file("meta_Digital_Music.2014-prefix.json.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            line = raw.rstrip("\n")
            assert parse_line(line, parse_python_literal) == ast.literal_eval(line), (
                number
            )


@pytest.mark.real_data
def test_parser_matches_json_loads_on_every_strict_json_2014_line():
    path = real_file("metadata.2014-sample.json.gz")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            line = raw.rstrip("\n")
            assert parse_line(line, parse_python_literal) == json.loads(line), number


@pytest.mark.real_data
@pytest.mark.parametrize(
    "name", ["meta_Gift_Cards.2018.json.gz", "meta_Magazine_Subscriptions.2018.json.gz"]
)
def test_2018_files_parse_and_normalise(name):
    path = real_file(name)
    n_lines, n_related = 0, 0
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            obj = json.loads(line)
            rec = normalise_record(parse_line(line.rstrip("\n"), parse_python_literal))
            assert rec.asin == obj["asin"]
            assert set(rec.related) <= {"also_bought", "also_viewed"}
            assert rec.related.get("also_bought", []) == list(
                dict.fromkeys(obj["also_buy"])
            )
            n_lines += 1
            n_related += bool(rec.related)
    assert n_lines > 1000 and n_related > 0

"""Tests of streaming ingest: outputs, bad lines, thresholds, duplicates, gzip."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from baseline_recsys.datasets.parquet_dataset import arrow_to_pandas
from baseline_recsys.ingest import (
    TooManyRejectedLines,
    TruncatedInputError,
    ingest_file,
)
from baseline_recsys.literal import parse_python_literal
from tests.conftest import TINY_2014, write_lines


def _ingest(path: Path, out: Path, **kwargs):
    paths = {
        "products_path": out / "products.parquet",
        "relationships_path": out / "relationships.parquet",
        "rejected_path": out / "rejected.parquet",
    }
    report = ingest_file(path, python_parser=parse_python_literal, **paths, **kwargs)
    return report, {k: arrow_to_pandas(pq.read_table(v)) for k, v in paths.items()}


def test_tiny_dump_gives_products_and_directed_relations(tiny_dump, tmp_path):
    report, out = _ingest(tiny_dump, tmp_path)
    products = out["products_path"]
    assert list(products["asin"]) == ["A", "B", "C", "E"]
    a = products.iloc[0]
    assert (a.title, a.brand, a.price, a.sales_rank, a.main_category) == (
        "Alpha",
        "Acme",
        3.5,
        10,
        "Beauty",
    )
    assert [list(p) for p in a.categories] == [["Beauty", "Hair"]]
    assert (
        products["price"].dtype == "float64" and products["sales_rank"].dtype == "Int64"
    )
    rels = out["relationships_path"]
    assert len(rels) == 8
    assert set(rels["relationship"].astype(str)) == {
        "also_bought",
        "also_viewed",
        "bought_together",
        "buy_after_viewing",
    }
    assert report.relations_by_kind == {
        "also_bought": 4,
        "also_viewed": 2,
        "bought_together": 1,
        "buy_after_viewing": 1,
    }
    assert report.rejected == 0 and report.products == 4 and report.lines_read == 4
    assert json.dumps(report.to_dict())  # serialisable


def test_bad_lines_are_recorded_and_good_lines_kept(tmp_path):
    bad = [
        "{'asin': 'Z'",  # truncated
        b"\xff\xfe\x00garbage",  # invalid UTF-8
        "[1, 2, 3]",
        "42",
        "{'title': 'no asin'}",
        "{'asin': 7}",
        "{'asin': 'Q', 'related': ['x']}",
        "{'asin': 'R', 'related': {'also_bought': [1, None]}}",
        "__import__('os').system('echo hi')",
    ]
    good = [
        f"{{'asin': 'G{i}', 'related': {{'also_bought': ['H{i}']}}}}"
        for i in range(200)
    ]
    lines = good[:100] + bad + [""] + good[100:]
    path = write_lines(tmp_path / "mixed.json", lines)
    report, out = _ingest(path, tmp_path, max_rejected_fraction=0.5, chunk_lines=7)
    assert report.products == 200
    assert report.blank_lines == 1
    assert report.rejected == len(bad)
    rejected = out["rejected_path"]
    assert list(rejected["line_number"]) == list(range(101, 101 + len(bad)))
    assert dict(report.rejected_by_reason) == {
        "unparsable": 2,
        "invalid_utf8": 1,
        "not_a_dict": 2,
        "missing_asin": 1,
        "bad_asin": 1,
        "bad_related": 2,
    }
    assert rejected["text"].str.len().max() <= 200
    assert len(out["relationships_path"]) == 200


def test_too_many_rejected_lines_fails_naming_file_and_lines(tmp_path):
    lines = ["{'asin': 'A'}"] * 50 + ["not a dict at all"] * 2
    path = write_lines(tmp_path / "bad.json", lines)
    with pytest.raises(
        TooManyRejectedLines, match=r"bad\.json.*first bad lines: \[51, 52\]"
    ):
        _ingest(path, tmp_path, max_rejected_fraction=0.01)
    # nothing half-written is left behind
    assert not list(tmp_path.glob("*.parquet"))


def test_duplicate_asin_lines_keep_the_first(tmp_path):
    lines = [
        "{'asin': 'A', 'title': 'first', 'related': {'also_bought': ['B']}}",
        "{'asin': 'A', 'title': 'second', 'related': {'also_bought': ['B', 'C']}}",
    ]
    report, out = _ingest(write_lines(tmp_path / "dup.json", lines), tmp_path)
    assert list(out["products_path"]["title"]) == ["first"]
    assert list(out["relationships_path"]["related_asin"]) == ["B"]
    assert report.duplicate_asin_lines == 1 and report.rejected == 0


def test_bom_crlf_and_long_lines(tmp_path):
    raw = (
        b"\xef\xbb\xbf{'asin': 'A'}\r\n{'asin': 'B'}\r\n{'asin': '"
        + b"x" * 5000
        + b"'}\r\n{'asin': 'C'}\r\n"
    )
    path = tmp_path / "crlf.json"
    path.write_bytes(raw)
    report, out = _ingest(
        path, tmp_path, max_line_bytes=1000, max_rejected_fraction=0.5
    )
    assert list(out["products_path"]["asin"]) == ["A", "B", "C"]
    assert dict(report.rejected_by_reason) == {"line_too_long": 1}
    assert list(out["rejected_path"]["line_number"]) == [3]


def test_truncated_gzip_is_a_clear_error_and_leaves_no_output(tmp_path):
    data = gzip.compress(("\n".join(TINY_2014 * 200) + "\n").encode())
    path = tmp_path / "cut.json.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(TruncatedInputError, match="cut.json.gz"):
        _ingest(path, tmp_path)
    assert not list(tmp_path.glob("*.parquet"))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.json"):
        _ingest(tmp_path / "nope.json", tmp_path)


def test_hostile_corpus_is_rejected_line_by_line_and_nothing_runs(tmp_path):
    marker = tmp_path / "executed"
    hostile = {
        "truncated": "{'asin': 'T1', 'related': {'also_bought': ['X'",
        "garbage": b"\x00\x01\x02\xfe\xff binary",
        "top-level list": "['asin', 'B1']",
        "bare number": "12345",
        "empty asin": "{'asin': ''}",
        "int asin": "{'asin': 99}",
        "related not dict": "{'asin': 'R1', 'related': 'also_bought'}",
        "ints in list": "{'asin': 'R2', 'related': {'also_bought': [1, 2]}}",
        "None in list": "{'asin': 'R3', 'related': {'also_bought': [None]}}",
        "string for list": "{'asin': 'R4', 'related': {'also_bought': 'B000000001'}}",
        "set literal": "{'asin': 'R5', 'related': {'also_bought': {'B1', 'B2'}}}",
        "deep nesting": "[" * 5000 + "]" * 5000,
        "os.system": f"__import__('os').system('touch {marker}')",
        "call in value": f"{{'asin': 'E1', 'title': open('{marker}', 'w')}}",
        "lambda": "{'asin': (lambda: 'E2')()}",
        "comprehension": "{'asin': 'E3', 'related': {'also_bought': [x for x in 'ab']}}",
        "f-string": "{'asin': f'{1+1}'}",
        "huge garbage line": "{'asin': '" + "x" * 10_000_000,
    }
    good = [
        f"{{'asin': 'G{i:04d}', 'related': {{'also_bought': ['G{i + 1:04d}']}}}}"
        for i in range(2000)
    ]
    json_line = (
        '{"asin": "J1", "related": {"also_viewed": ["G0001"]}}'  # valid here too
    )
    lines: list[str | bytes] = []
    for i, bad in enumerate(hostile.values()):
        lines.extend(good[i * 100 : (i + 1) * 100])
        lines.append(bad)
    lines.extend(good[len(hostile) * 100 :])
    lines.extend(["", json_line])
    path = write_lines(tmp_path / "hostile.json.gz", lines)
    report, out = _ingest(path, tmp_path, max_rejected_fraction=0.05)
    assert not marker.exists()
    assert report.products == 2001  # every good line, plus the JSON line
    assert report.rejected == len(hostile)
    rejected = out["rejected_path"]
    expected_lines = [101 * (i + 1) for i in range(len(hostile))]
    assert list(rejected["line_number"]) == expected_lines
    assert rejected["text"].str.len().max() <= 200
    assert set(rejected["reason"]) == {
        "unparsable",
        "invalid_utf8",
        "not_a_dict",
        "bad_asin",
        "bad_related",
    }


def test_memory_stays_flat_as_the_file_grows(tmp_path):
    # Four times the lines, same chunk size: the peak of Python allocations grows
    # only by the set of ASINs already seen (a few MB here), not with the file.
    import tracemalloc

    def dump(n_lines: int) -> Path:
        path = tmp_path / f"dump-{n_lines}.json.gz"
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            for i in range(n_lines):
                related = [f"R{(i * 31 + j) % 99991:09d}" for j in range(30)]
                handle.write(
                    repr({"asin": f"A{i:09d}", "title": f"Product {i}",
                          "related": {"also_bought": related}}) + "\n"
                )  # fmt: skip
        return path

    peaks = {}
    for n_lines in (4_000, 16_000):
        path = dump(n_lines)
        out = tmp_path / f"out-{n_lines}"
        out.mkdir()
        tracemalloc.start()
        report = ingest_file(
            path,
            python_parser=parse_python_literal,
            products_path=out / "p.parquet",
            relationships_path=out / "r.parquet",
            rejected_path=out / "x.parquet",
            chunk_lines=1_000,
        )
        peaks[n_lines] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert report.products == n_lines
    assert peaks[16_000] < 1.6 * peaks[4_000], peaks

"""Query command: the products most similar to one ASIN, as a readable table.

Usage::

    python -m baseline_recsys.recommend ASIN [--k 10] [--model mf_bias]
        [--exclude-neighbours] [--project-path PATH] [--env ENV]

Reads the latest ``<model>.model`` (the ``{variant}.model`` catalog entry),
``product_index``, ``train_pairs`` and ``products`` through the project's
catalog configuration (``conf/``), without starting a Kedro session: the config
loader and ``DataCatalog.from_config`` are enough, hooks are not run, and only the
Parquet columns needed are read, so an answer takes about a second.

An unknown ASIN gets the closest known ASINs. A known product with no trained
embedding (no training pairs) gets the most popular products of its category by
training degree instead, labelled as such.

Exit status: 0 with an answer (fallback included), 1 for an unknown ASIN or a
missing model, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Columns read from each table.
COLUMNS = {
    "product_index": ["product_id", "asin"],
    "train_pairs": ["product1_id", "product2_id"],
    "products": ["asin", "title", "brand", "main_category", "categories"],
}
TITLE_WIDTH = 70

logger = logging.getLogger(__name__)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line.

    Args:
        argv: Arguments (default ``sys.argv[1:]``).

    Returns:
        The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        prog="python -m baseline_recsys.recommend",
        description="Print the products most similar to ASIN under a trained model.",
    )
    parser.add_argument("asin", help="product ASIN")
    parser.add_argument("--k", type=int, default=10, help="rows shown (default 10)")
    parser.add_argument(
        "--model", default="mf_bias", help="trained variant to use (default mf_bias)"
    )
    parser.add_argument(
        "--exclude-neighbours",
        action="store_true",
        help="also leave out the product's known training neighbours",
    )
    parser.add_argument(
        "--project-path",
        type=Path,
        default=Path.cwd(),
        help="Kedro project root (default: current directory)",
    )
    parser.add_argument("--env", default=None, help="Kedro configuration environment")
    args = parser.parse_args(argv)
    if args.k < 1:
        parser.error("--k must be >= 1")
    return args


def load_catalog(project_path: Path, env: str | None) -> Any:
    """The project's data catalog, with only the needed Parquet columns loaded.

    The project's ``settings.py`` is imported directly (its package named in
    ``pyproject.toml``) for the configuration source, loader and catalog classes;
    Kedro's own settings machinery, sessions and hooks are skipped to answer fast.

    Args:
        project_path: Kedro project root.
        env: Configuration environment (default: the project's).

    Returns:
        A ``DataCatalog`` built from ``conf/`` (no session, no hooks).

    Raises:
        FileNotFoundError: If ``project_path`` holds no ``pyproject.toml``.
    """
    from kedro.config import OmegaConfigLoader
    from kedro.io import DataCatalog

    pyproject = project_path / "pyproject.toml"
    if not pyproject.is_file():
        raise FileNotFoundError(
            f"{project_path} is not a Kedro project (no pyproject.toml); "
            "run from the project root or pass --project-path"
        )
    with pyproject.open("rb") as handle:
        package = tomllib.load(handle)["tool"]["kedro"]["package_name"]
    settings = importlib.import_module(f"{package}.settings")
    loader_class = getattr(settings, "CONFIG_LOADER_CLASS", OmegaConfigLoader)
    loader = loader_class(
        conf_source=str(project_path / getattr(settings, "CONF_SOURCE", "conf")),
        env=env,
        **getattr(settings, "CONFIG_LOADER_ARGS", {}),
    )
    config = loader["catalog"]
    for name, columns in COLUMNS.items():
        if name in config:
            config[name] = {
                **config[name],
                "load_args": {"columns": columns, "as_arrow": True},
            }
    catalog_class = getattr(settings, "DATA_CATALOG_CLASS", DataCatalog)
    return catalog_class.from_config(config)


def echo(text: str = "") -> None:
    """Write one line to stdout (the command's output; libraries log instead)."""
    sys.stdout.write(text + "\n")


def _text(value: object, width: int) -> str:
    text = "-" if value is None else " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(rows: list[dict[str, object]], value: str) -> str:
    """Fixed-width table of rank, asin, title, brand and ``value``.

    Args:
        rows: Dicts with rank, asin, title, brand and ``value`` keys.
        value: Name of the last column (``score`` or ``degree``).

    Returns:
        The table, one line per row, with a header.
    """
    brand_width = min(20, max([5, *(len(_text(r["brand"], 20)) for r in rows)]))
    lines = [
        f"{'rank':>4}  {'asin':<10}  {'title':<{TITLE_WIDTH}}  "
        f"{'brand':<{brand_width}}  {value:>8}"
    ]
    for r in rows:
        number = r[value]
        shown = f"{number:8.4f}" if isinstance(number, float) else f"{number:>8}"
        lines.append(
            f"{r['rank']:>4}  {r['asin']:<10}  "
            f"{_text(r['title'], TITLE_WIDTH):<{TITLE_WIDTH}}  "
            f"{_text(r['brand'], brand_width):<{brand_width}}  {shown}"
        )
    return "\n".join(lines)


def _metadata(products: pa.Table, asins: list[str]) -> list[dict[str, object]]:
    rows = pc.index_in(pa.array(asins, pa.string()), value_set=products["asin"])
    picked = products.select(["title", "brand"]).take(rows).to_pylist()
    return [{"asin": a, **m} for a, m in zip(asins, picked, strict=True)]


def describe(asin: str, products: pa.Table) -> str:
    """One line naming a product: ASIN, title and brand where known."""
    meta = _metadata(products, [asin])[0]
    parts = [asin]
    if meta["title"]:
        parts.append(f"“{_text(meta['title'], 90)}”")
    if meta["brand"]:
        parts.append(f"({meta['brand']})")
    return " ".join(parts)


def run(args: argparse.Namespace) -> int:
    """Answer one query, printing to stdout.

    Args:
        args: Parsed arguments (see :func:`parse_args`).

    Returns:
        The exit status.
    """
    from kedro.io import DatasetError

    from baseline_recsys.graph import pair_degree
    from baseline_recsys.model import MatrixFactorization
    from baseline_recsys.recommend import AsinIndex, similar_items

    catalog = load_catalog(args.project_path.resolve(), args.env)
    asin = args.asin.strip()
    index = catalog.load("product_index")
    products = catalog.load("products")
    asins = index["asin"].to_numpy()
    ids = index["product_id"].to_numpy()
    order = np.argsort(ids)
    asins, ids = asins[order], ids[order]
    position, in_products = _find(asin, asins, products)
    if not len(position) and not in_products and asin.upper() != asin:
        asin = asin.upper()  # ASINs are upper case
        position, in_products = _find(asin, asins, products)
    if not len(position) and not in_products:
        known = AsinIndex(np.concatenate([asins, products["asin"].to_numpy()]))
        echo(f"Unknown ASIN {asin!r}: it is in neither product_index nor products.")
        suggestions = known.suggest(asin)
        if suggestions:
            echo("Closest known ASINs:")
            for s in suggestions:
                echo(f"  {describe(s, products)}")
        else:
            echo(f"No close match among {len(known):,} known ASINs.")
        return 1

    pairs = catalog.load("train_pairs")
    p1 = pairs["product1_id"].to_numpy()
    p2 = pairs["product2_id"].to_numpy()
    degree = pair_degree(p1, p2, len(asins))
    if not len(position) or degree[position[0]] == 0:
        echo(
            f"{describe(asin, products)} has no trained embedding "
            "(it has no training pairs)."
        )
        return _fallback(asin, products, asins, degree, args.k)

    try:
        state = catalog.load(f"{args.model}.model")
    except DatasetError as exc:
        logger.debug("Loading %s.model failed: %s", args.model, exc)
        echo(
            f"No trained {args.model!r} model found in the catalog's "
            f"{args.model}.model. Train it first: "
            f"kedro run --pipelines train_{args.model}"
        )
        return 1
    model = MatrixFactorization.from_state_dict(state)
    if model.n_products != len(asins):
        echo(
            f"The {args.model} model has {model.n_products:,} products but "
            f"product_index has {len(asins):,}: retrain {args.model}."
        )
        return 1
    anchor = int(ids[position[0]])
    neighbours = (
        _neighbours(p1, p2, anchor, len(asins)) if args.exclude_neighbours else None
    )
    top, scores = similar_items(
        model, anchor, args.k, exclude_neighbours=neighbours, candidates=degree > 0
    )
    found = top >= 0
    rows = _metadata(products, asins[top[found]].tolist())
    for rank, (row, score) in enumerate(zip(rows, scores[found], strict=True), 1):
        row.update(rank=rank, score=float(score))
    echo(f"Top {len(rows)} products similar to {describe(asin, products)}")
    echo(f"model {args.model}, score = {_score_formula(model.use_bias)}")
    echo(format_table(rows, "score"))
    return 0


def _find(asin: str, asins: np.ndarray, products: pa.Table) -> tuple[np.ndarray, bool]:
    """Product ids of ``asin`` in the index, and whether ``products`` has it."""
    found = bool(pc.any(pc.equal(products["asin"], asin)).as_py() or False)
    return np.flatnonzero(asins == asin), found


def _neighbours(
    p1: np.ndarray, p2: np.ndarray, anchor: int, n_products: int
) -> tuple[np.ndarray, np.ndarray]:
    """CSR adjacency holding only the anchor's row (its training neighbours)."""
    indices = np.concatenate([p2[p1 == anchor], p1[p2 == anchor]]).astype(np.int64)
    indptr = np.zeros(n_products + 1, dtype=np.int64)
    indptr[anchor + 1 :] = len(indices)
    return indptr, indices


def _score_formula(use_bias: bool) -> str:
    return "e_a·e_b + b_a + b_b + g" if use_bias else "e_a·e_b"


def _fallback(
    asin: str,
    products: pa.Table,
    asins: np.ndarray,
    degree: np.ndarray,
    k: int,
) -> int:
    """Print the category's most popular products (the no-embedding fallback)."""
    from baseline_recsys.recommend import category_path, popular_in_category

    rows = pc.index_in(products["asin"], value_set=pa.array(asins, pa.string()))
    product_degree = np.where(
        rows.is_valid().to_numpy(zero_copy_only=False),
        degree[rows.fill_null(0).to_numpy()],
        0,
    )
    table = products.append_column("degree", pa.array(product_degree))
    own = table.filter(pc.equal(table["asin"], asin))
    path = category_path(own["categories"][0].as_py()) if own.num_rows else []
    category, top = popular_in_category(table, product_degree, path, k, exclude=asin)
    where = f"category {category!r}" if category else "the whole catalogue"
    echo(
        f"FALLBACK (not model scores): the {top.num_rows} most popular products "
        f"of {where}, by training degree:"
    )
    listed = top.select(["asin", "title", "brand", "degree"]).to_pylist()
    for rank, row in enumerate(listed, 1):
        row["rank"] = rank
    echo(format_table(listed, "degree"))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m baseline_recsys.recommend``.

    Args:
        argv: Arguments (default ``sys.argv[1:]``).

    Returns:
        The exit status.
    """
    args = parse_args(argv)
    try:
        return run(args)
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (silence the exit flush)
        return 0


if __name__ == "__main__":
    status = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip the interpreter's teardown: finalising torch and pandas takes ~0.4 s,
    # a fifth of the answer time, and there is nothing left to clean up.
    os._exit(status)

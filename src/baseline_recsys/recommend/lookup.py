"""Looking products up by ASIN: close matches and a popularity fallback.

Both work on whole columns at once, so they answer in milliseconds on the
hundreds of thousands of ASINs of a real category.
"""

from __future__ import annotations

import bisect
import difflib
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


class AsinIndex:
    """Sorted ASINs (forwards and backwards) for fast near-miss suggestions.

    A mistyped ASIN usually keeps either its start or its end, so the ASINs
    next to it in sorted order, or in the order of the reversed strings, are the
    few candidates :func:`difflib.get_close_matches` then ranks.
    """

    def __init__(self, asins: Sequence[str] | np.ndarray | pa.Array) -> None:
        """Index the known ASINs.

        Args:
            asins: Every known ASIN (duplicates are fine).
        """
        if isinstance(asins, pa.Array | pa.ChunkedArray):
            asins = asins.to_pylist()
        unique = sorted({a for a in asins if a})
        self._known = set(unique)
        self._forward = unique
        self._backward = sorted(a[::-1] for a in unique)

    def __contains__(self, asin: object) -> bool:
        """Whether ``asin`` is known."""
        return asin in self._known

    def __len__(self) -> int:
        """Number of distinct ASINs."""
        return len(self._forward)

    def suggest(self, asin: str, n: int = 5, window: int = 50) -> list[str]:
        """The known ASINs closest to an unknown one.

        Args:
            asin: The ASIN looked for.
            n: Most suggestions returned.
            window: Neighbours taken on each side in each sort order.

        Returns:
            Up to ``n`` ASINs, closest first (may be empty).
        """
        query = asin.strip().upper()
        pool: set[str] = set()
        for ordered, key, flip in (
            (self._forward, query, False),
            (self._backward, query[::-1], True),
        ):
            at = bisect.bisect_left(ordered, key)
            near = ordered[max(0, at - window) : at + window]
            pool.update(a[::-1] if flip else a for a in near)
        return difflib.get_close_matches(query, sorted(pool), n=n, cutoff=0.5)


def category_path(categories: Sequence[Sequence[str]] | None) -> list[str]:
    """The most specific category path of a product (its longest one).

    Args:
        categories: The product's ``categories`` (a list of paths).

    Returns:
        The path, root first, or ``[]``.
    """
    paths = [list(p) for p in categories or [] if p is not None and len(p)]
    return max(paths, key=len) if paths else []


def popular_in_category(
    products: pa.Table,
    degree: np.ndarray,
    path: Sequence[str],
    k: int = 10,
    *,
    exclude: str | None = None,
) -> tuple[str | None, pa.Table]:
    """Most popular products (by training degree) of the deepest shared category.

    Walks ``path`` from its leaf up to its root and stops at the first category
    holding at least one product with training pairs.

    Args:
        products: ``asin``, ``categories`` and ``degree`` (training degree)
            columns, plus any others to carry along.
        degree: ``products``' training degrees, as a NumPy array.
        path: Category path of the product, root first.
        k: Products returned.
        exclude: An ASIN to leave out (the product itself).

    Returns:
        The category used (``None`` when none of ``path`` matches; the most
        popular products overall are returned then) and its top ``k`` rows of
        ``products``, most popular first.
    """
    degree = np.asarray(degree)
    usable = degree > 0
    if exclude is not None:
        same = pc.fill_null(pc.equal(products.column("asin"), exclude), False)
        usable &= ~same.to_numpy(zero_copy_only=False)
    categories = products.column("categories").combine_chunks()
    paths = pc.list_flatten(categories)
    names = pc.list_flatten(paths)
    owners = pc.list_parent_indices(categories).to_numpy()
    name_owner = owners[pc.list_parent_indices(paths).to_numpy()]
    for category in reversed(list(path)):
        hit = pc.fill_null(pc.equal(names, category), False).to_numpy(
            zero_copy_only=False
        )
        mask = np.zeros(len(degree), dtype=bool)
        mask[name_owner[hit]] = True
        mask &= usable
        if mask.any():
            return category, _top_by_degree(products, degree, mask, k)
    return None, _top_by_degree(products, degree, usable, k)


def _top_by_degree(
    products: pa.Table, degree: np.ndarray, mask: np.ndarray, k: int
) -> pa.Table:
    rows = np.flatnonzero(mask)
    order = rows[np.argsort(-degree[rows], kind="stable")[:k]]
    return products.take(pa.array(order))

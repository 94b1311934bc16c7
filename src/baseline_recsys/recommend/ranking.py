"""The engine behind :func:`~baseline_recsys.recommend.similar_items`.

Scores are the model's own (:meth:`MatrixFactorization.score_all
<baseline_recsys.model.MatrixFactorization.score_all>`): ``e_a · e_c [+ b_a + b_c +
g]``. The candidate bias is folded into the product as one extra column
(``[e_a, 1] · [e_c, b_c]``); the anchor's constant ``b_a + g`` cannot change a
ranking and is added to the winners only.

Writing a whole ``anchors × products`` score matrix to memory and reading it back
for ``topk`` costs more than the arithmetic. So each chunk of anchors is scored
against one cache-sized tile of candidates at a time, and only the maximum of each
*block* of :data:`BLOCK` candidates is kept (block ``j`` of a tile of width ``w``
holds its columns ``j, j + w/BLOCK, j + 2w/BLOCK, …``, so the maxima are one
strided reduction). The k best products of a row lie in its k blocks with the
highest maxima (the k-th best score is at least the k-th highest block maximum);
those ``k · BLOCK`` candidates are scored again in float32 and ranked with
:func:`torch.topk`.

**Screening in bfloat16.** Where bfloat16 matrix products are much faster (CPUs
with AMX, such as Sapphire Rapids, do them 4× faster than float32), the tiles are
scored in bfloat16 instead. The answer stays exact: a bfloat16 score ``ŝ``
differs from the float32 one by at most ``γ‖a‖‖c‖ + u'|ŝ|`` (input rounding,
float32 accumulation and output rounding, taken pessimistically), so every block
whose bound ``max ŝ + u'|max ŝ| + γ‖a‖ max‖c‖`` reaches the k-th best exact score
found so far is scored again in float32 as well: a few blocks per row beyond the
first k (on Beauty, 3 on average). The results are the float32 path's (a score
may differ in its last bit).
"""

from __future__ import annotations

import functools
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch

from baseline_recsys.model import MatrixFactorization

logger = logging.getLogger(__name__)

#: Candidates per block whose maximum is kept.
BLOCK = 8
#: Candidates per tile (a multiple of :data:`BLOCK`).
TILE = 2048
#: Blocks past the first k checked for bfloat16 screening errors before a full scan.
SPARE_BLOCKS = 32
#: Bytes of gathered candidate rows per re-scoring batch.
RESCORE_BYTES = 16 * 2**20

#: CSR adjacency ``(indptr, indices)``, as built by ``metrics.adjacency``.
Neighbours = tuple[np.ndarray, np.ndarray]


@functools.cache
def bfloat16_is_faster(dim: int) -> bool:
    """Whether one bfloat16 tile product beats float32 by 1.5× here (measured once).

    Args:
        dim: Inner dimension of the products.

    Returns:
        True where bfloat16 screening pays (e.g. on CPUs with AMX).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        seconds = {}
        for dtype in (torch.float32, torch.bfloat16):
            a = torch.randn(256, dim).to(dtype)
            c = torch.randn(TILE, dim).to(dtype)
            out = torch.empty(256, TILE, dtype=dtype)
            torch.mm(a, c.T, out=out)
            started = time.perf_counter()
            for _ in range(5):
                torch.mm(a, c.T, out=out)
            seconds[dtype] = time.perf_counter() - started
    finally:
        torch.set_num_threads(threads)
    faster = seconds[torch.bfloat16] * 1.5 < seconds[torch.float32]
    logger.debug("bfloat16 screening %s (%s)", "on" if faster else "off", seconds)
    return faster


@dataclass(frozen=True)
class BlockRanker:
    """Prepared candidates and exclusions for ranking many anchors.

    Attributes:
        weight: ``(n_products, d)`` embeddings.
        shift: ``(n_products,)`` anchor constant ``b_a + g`` (zeros without bias).
        cands: ``(n_padded, d + 1)`` ``[e_c, b_c]``; padding rows score -inf.
        screen: ``cands`` in the screening dtype (float32 or bfloat16).
        block_norm: Largest ``‖[e_c, b_c]‖`` of each block (bfloat16 bound).
        columns: Candidate column → product id.
        column_of: Product id → candidate column, or -1.
        exclude: Extra pairs to leave out (CSR), or None.
        k: Products kept per anchor.
    """

    weight: torch.Tensor
    shift: torch.Tensor
    cands: torch.Tensor
    screen: torch.Tensor
    block_norm: torch.Tensor
    columns: np.ndarray
    column_of: np.ndarray
    exclude: Neighbours | None
    k: int

    @classmethod
    @torch.no_grad()
    def build(
        cls,
        model: MatrixFactorization,
        columns: np.ndarray,
        exclude: Neighbours | None,
        k: int,
        screening: str = "auto",
    ) -> BlockRanker:
        """Prepare the candidate matrix.

        Args:
            model: The trained model.
            columns: Product ids that may be returned, ascending.
            exclude: CSR adjacency of extra pairs to leave out, or None.
            k: Products kept per anchor.
            screening: ``float32``, ``bfloat16`` or ``auto`` (bfloat16 where it
                is faster); the results are the same.

        Returns:
            The ranker.

        Raises:
            ValueError: For an unknown ``screening``.
        """
        if screening not in ("auto", "float32", "bfloat16"):
            raise ValueError(
                f"screening must be auto, float32 or bfloat16: {screening}"
            )
        weight = model.embeddings.weight.detach().float()
        n, dim = weight.shape
        bias = torch.zeros(n)
        shift = torch.zeros(n)
        if model.use_bias:
            bias = model.biases.weight.detach().float()[:, 0]
            shift = bias + model.global_bias.detach().float()
        n_padded = -(-len(columns) // BLOCK) * BLOCK
        cands = torch.zeros(n_padded, dim + 1)
        index = torch.from_numpy(columns)
        cands[: len(columns), :dim] = weight[index]
        cands[: len(columns), dim] = bias[index]
        norms = cands.norm(dim=1)  # padding rows: 0 (they score -inf anyway)
        cands[len(columns) :, dim] = -torch.inf  # [0, -inf] · [e_a, 1] = -inf
        column_of = np.full(n, -1, dtype=np.int64)
        column_of[columns] = np.arange(len(columns))
        use_bf16 = screening == "bfloat16" or (
            screening == "auto" and bfloat16_is_faster(dim + 1)
        )
        screen = cands.bfloat16() if use_bf16 else cands
        block_norm = torch.cat(
            [
                norms[lo : lo + TILE].view(BLOCK, -1).amax(dim=0)
                for lo in range(0, n_padded, TILE)
            ]
        )
        return cls(
            weight, shift, cands, screen, block_norm, columns, column_of, exclude, k
        )

    def run(
        self,
        anchors: np.ndarray,
        out_ids: np.ndarray,
        out_scores: np.ndarray,
        batch_size: int,
        workers: int | None,
    ) -> None:
        """Rank every anchor chunk on a thread pool, filling the outputs.

        Args:
            anchors: Anchor product ids.
            out_ids: ``(n_anchors, k)`` ids to fill.
            out_scores: ``(n_anchors, k)`` scores to fill.
            batch_size: Anchors per chunk.
            workers: Threads (default ``torch.get_num_threads()``); torch runs
                single-threaded inside each.
        """
        workers = max(1, workers or torch.get_num_threads())
        starts = range(0, len(anchors), batch_size)
        started = time.perf_counter()
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with ThreadPoolExecutor(workers) as pool:
                jobs = pool.map(
                    lambda s: self.rank(anchors[s : s + batch_size]), starts
                )
                for i, (start, (ids, scores)) in enumerate(zip(starts, jobs)):
                    out_ids[start : start + len(ids), : ids.shape[1]] = ids
                    out_scores[start : start + len(ids), : ids.shape[1]] = scores
                    if i % 50 == 49 or i == len(starts) - 1:
                        logger.info(
                            "Ranked %s / %s anchors against %s products (%.1f s)",
                            f"{min(start + batch_size, len(anchors)):,}",
                            f"{len(anchors):,}",
                            f"{len(self.columns):,}",
                            time.perf_counter() - started,
                        )
        finally:
            torch.set_num_threads(threads)

    @torch.no_grad()
    def rank(self, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Top-k ids and scores of one chunk of anchors.

        Args:
            chunk: Anchor product ids.

        Returns:
            ``(ids, scores)`` of shape ``(len(chunk), min(k, n_padded))``, best
            first, ``-1`` / NaN where fewer products are left.
        """
        embedded = self.weight[torch.from_numpy(chunk)]
        anchors = torch.cat([embedded, torch.ones(len(chunk), 1)], dim=1)
        rows, cols = self._excluded(chunk)
        maxima = self._screen(anchors, rows, cols)
        first = min(self.k, maxima.shape[1])
        bf16 = self.screen.dtype != torch.float32
        wide = min(maxima.shape[1], first + (SPARE_BLOCKS if bf16 else 0))
        top, order = torch.topk(maxima, wide, dim=1)
        blocks = order[:, :first]
        picked = self._block_columns(blocks)
        exact = self._rescore(anchors, picked)
        self._mask(exact, blocks, rows, cols)
        values, best = torch.topk(exact, min(self.k, exact.shape[1]), dim=1)
        best_cols = picked.gather(1, best)
        if bf16:
            values, best_cols = self._verify(
                anchors, maxima, top, order, values, best_cols, rows, cols
            )
        values += self.shift[torch.from_numpy(chunk)].unsqueeze(1)
        found = (values > -torch.inf).numpy()
        best_cols = np.minimum(best_cols.numpy(), len(self.columns) - 1)  # padding
        ids = np.where(found, self.columns[best_cols], -1)
        return ids, np.where(found, values.numpy(), np.nan)

    def _screen(
        self, anchors: torch.Tensor, rows: np.ndarray, cols: np.ndarray
    ) -> torch.Tensor:
        """Block maxima of every anchor's scores, tile by tile (excluded: -inf).

        Returns:
            ``(chunk, n_blocks)`` maxima in the screening dtype.
        """
        n_padded = len(self.cands)
        dtype = self.screen.dtype
        lhs = anchors.to(dtype)
        maxima = torch.empty(len(anchors), n_padded // BLOCK, dtype=dtype)
        tile = torch.empty(len(anchors) * TILE, dtype=dtype)
        order = np.argsort(cols, kind="stable")
        bounds = np.searchsorted(cols[order], np.arange(0, n_padded + TILE, TILE))
        for t, lo in enumerate(range(0, n_padded, TILE)):
            width = min(TILE, n_padded - lo)
            scores = tile[: len(anchors) * width].view(len(anchors), width)
            torch.mm(lhs, self.screen[lo : lo + width].T, out=scores)
            hit = order[bounds[t] : bounds[t + 1]]
            if len(hit):
                scores[
                    torch.from_numpy(rows[hit]), torch.from_numpy(cols[hit] - lo)
                ] = -torch.inf
            torch.amax(
                scores.view(len(anchors), BLOCK, width // BLOCK),
                dim=1,
                out=maxima[:, lo // BLOCK : (lo + width) // BLOCK],
            )
        return maxima  # bfloat16 maxima stay bfloat16: only a few are read later

    def _verify(
        self,
        anchors: torch.Tensor,
        maxima: torch.Tensor,
        top: torch.Tensor,
        order: torch.Tensor,
        values: torch.Tensor,
        best_cols: torch.Tensor,
        rows: np.ndarray,
        cols: np.ndarray,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Rescore every block whose bfloat16 bound reaches the k-th best, and merge.

        A block not yet rescored can hold a product better than the current
        k-th best ``θ`` only if ``max ŝ + c1 |max ŝ| + c2 ‖a‖ max‖c‖ >= θ``
        (see the module docstring). Such blocks are looked for among the
        :data:`SPARE_BLOCKS` next-highest maxima, and in the whole row only for
        the rare rows where even the last of those may qualify; the (row, block)
        pairs found, usually a few per row, are scored in float32 and merged
        with the current top k.

        Args:
            anchors: ``(chunk, d + 1)`` augmented anchors.
            maxima: ``(chunk, n_blocks)`` bfloat16 block maxima.
            top: Highest maxima of each row, descending.
            order: Their block ids; the first ``k`` were rescored.
            values: Current exact top-k values (excluded pairs at -inf).
            best_cols: Their candidate columns.
            rows: Rows of the excluded pairs.
            cols: Candidate columns of the excluded pairs.

        Returns:
            The exact top-k values and candidate columns.
        """
        k = values.shape[1]
        kth = values[:, -1] if k == self.k else torch.full((len(values),), -torch.inf)
        rounding, unit = 2.0**-7, 2.0**-8  # output (even if truncated), inputs
        c1 = rounding / (1 - rounding)
        c2 = 2 * unit + unit**2 + anchors.shape[1] * 2.0**-22
        norm = anchors.norm(dim=1)
        # the bound grows with max ŝ: a first cut with the largest block norm
        slack = kth - c2 * norm * self.block_norm.max()
        cut = torch.where(slack > 0, slack / (1 + c1), slack / (1 - c1))
        first = min(self.k, maxima.shape[1])
        top = top.float()
        spare_top, spare = top[:, first:], order[:, first:]
        row = (
            torch.arange(len(values))
            .unsqueeze(1)
            .expand_as(spare)[spare_top >= cut.unsqueeze(1)]
        )
        block = spare[spare_top >= cut.unsqueeze(1)]
        beyond = torch.nonzero(top[:, -1] >= cut, as_tuple=True)[0]
        if len(beyond) and order.shape[1] < maxima.shape[1]:
            rest = maxima[beyond].float()
            rest.scatter_(1, order[beyond], torch.nan)  # already looked at
            r, b = torch.nonzero(rest >= cut[beyond].unsqueeze(1), as_tuple=True)
            row, block = torch.cat([row, beyond[r]]), torch.cat([block, b])
        value = maxima[row, block].float()
        bound = value + c1 * value.abs() + c2 * norm[row] * self.block_norm[block]
        keep = bound >= kth[row]
        row, block = row[keep], block[keep]
        sort = torch.argsort(row * maxima.shape[1] + block)
        row, block = row[sort], block[sort]
        if not len(row):
            return values, best_cols
        more = self._block_columns(block.unsqueeze(1))  # (pairs, BLOCK)
        scores = torch.empty(more.shape)
        step = max(1, RESCORE_BYTES // (BLOCK * self.cands.shape[1] * 4))
        for s in range(0, len(row), step):
            part = more[s : s + step]
            vectors = torch.index_select(self.cands, 0, part.flatten())
            product = torch.bmm(
                vectors.view(*part.shape, -1), anchors[row[s : s + step]].unsqueeze(2)
            )
            scores[s : s + step] = product[..., 0]
        # excluded pairs inside the new blocks (pairs are sorted by row, block)
        n_blocks = maxima.shape[1]
        keys = (row * n_blocks + block).numpy()
        block_of, slot = self._block_of(cols)
        wanted = rows * n_blocks + block_of
        at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        hit = keys[at] == wanted
        scores[torch.from_numpy(at[hit]), torch.from_numpy(slot[hit])] = -torch.inf
        # merge: per row, the best k of the current top k and the new scores
        all_rows = np.concatenate(
            [np.repeat(np.arange(len(values)), k), np.repeat(row.numpy(), BLOCK)]
        )
        all_values = np.concatenate([values.numpy().ravel(), scores.numpy().ravel()])
        all_cols = np.concatenate([best_cols.numpy().ravel(), more.numpy().ravel()])
        order = np.lexsort((-all_values, all_rows))
        ranked_rows = all_rows[order]
        place = np.arange(len(order)) - np.searchsorted(ranked_rows, ranked_rows)
        take = place < k
        merged_values = np.full((len(values), k), -np.inf, dtype=np.float32)
        merged_cols = np.zeros((len(values), k), dtype=np.int64)
        merged_values[ranked_rows[take], place[take]] = all_values[order][take]
        merged_cols[ranked_rows[take], place[take]] = all_cols[order][take]
        return torch.from_numpy(merged_values), torch.from_numpy(merged_cols)

    def _block_columns(self, blocks: torch.Tensor) -> torch.Tensor:
        """Candidate columns of global block ids, ``BLOCK`` per block."""
        per_tile = TILE // BLOCK
        lo = blocks // per_tile * TILE
        stride = torch.clamp(len(self.cands) - lo, max=TILE) // BLOCK
        first = lo + (blocks - lo // BLOCK)
        steps = torch.arange(BLOCK)
        return (first.unsqueeze(2) + steps * stride.unsqueeze(2)).flatten(1)

    def _block_of(self, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Global block id of candidate columns, and their slot in the block."""
        lo = cols // TILE * TILE
        stride = np.minimum(len(self.cands) - lo, TILE) // BLOCK
        return lo // BLOCK + (cols - lo) % stride, (cols - lo) // stride

    def _mask(
        self,
        exact: torch.Tensor,
        blocks: torch.Tensor,
        rows: np.ndarray,
        cols: np.ndarray,
    ) -> None:
        """Set the excluded (row, column) pairs of ``exact`` to -inf, in place."""
        block_of, slot = self._block_of(cols)
        pair, position = np.nonzero(blocks.numpy()[rows] == block_of[:, None])
        exact[
            torch.from_numpy(rows[pair]),
            torch.from_numpy(position * BLOCK + slot[pair]),
        ] = -torch.inf

    def _rescore(self, anchors: torch.Tensor, picked: torch.Tensor) -> torch.Tensor:
        """Float32 scores of each anchor against its own picked candidates."""
        per_anchor = picked.shape[1] * self.cands.shape[1] * 4
        step = max(1, RESCORE_BYTES // per_anchor)
        out = torch.empty(picked.shape)
        for s in range(0, len(anchors), step):
            part = picked[s : s + step]
            rows = torch.index_select(self.cands, 0, part.flatten())
            rows = rows.view(*part.shape, -1)  # (step, m, d + 1)
            product = torch.bmm(rows, anchors[s : s + step].unsqueeze(2))
            out[s : s + step] = product[..., 0]
        return out

    def _excluded(self, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row in chunk, candidate column) of every left-out pair."""
        rows, ids = np.arange(len(chunk)), chunk
        if self.exclude is not None:
            indptr, indices = self.exclude
            starts = indptr[chunk]
            counts = indptr[chunk + 1] - starts
            offsets = np.arange(int(counts.sum())) - np.repeat(
                np.cumsum(counts) - counts, counts
            )
            rows = np.concatenate([rows, np.repeat(rows, counts)])
            ids = np.concatenate([ids, indices[np.repeat(starts, counts) + offsets]])
        cols = self.column_of[ids]
        keep = cols >= 0
        return rows[keep], cols[keep]

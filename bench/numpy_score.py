# Fast vectorised NumPy CorrEmbed scorer (paper defaults): the speed baseline bench/score.ts compares the project's CLI to.
"""CorrEmbed with the paper's default definition (see docs/metric.md), written to be fast.

Definition (defaults): every image is a query; items' representatives are their first image in dataset order;
y_o = round(cos(e(rep(o)), e(q)), 4); x_o = cos(t(o), t(o_q)) with tag weights = category weight rounded to
2 decimals (1 for a category without a weight), an all-zero tag vector giving 0; r_q = Pearson(x, y) over all
items with images (self pair included); queries whose r is NaN (constant x or y) are dropped; score = mean r_q.

How it is made fast (all exact rewrites of the definition, float32 GEMMs):
  * Pearson is invariant to affine maps of y, so y is kept as Z = rint(1e4 * cos) - a_q: the 1e4 is folded
    into the representative matrix, a_q is an integer near the row mean (so float32 sums do not cancel) and
    subtracting an integer commutes with rint. No divide pass, no float64 pass over the big block; row sums
    use NumPy's pairwise float32 summation (agrees with a float64 reference to ~1e-9 at full size).
  * Pearson(x, y) = <x~, y> / ||y - mean(y)|| where x~ = (x - mean x) / ||x - mean x|| depends only on the
    query's item. Queries are processed sorted by item (the mean is order-free), so each item's x~ is built
    once per block with one small GEMM (dense weighted tag matrix, L2-normalised rows) and the numerator is
    one GEMV over the item's consecutive query rows. The y side needs two row sums (of Z and Z^2).
  * Query blocks of --block rows; with several cores, one worker thread per core each runs its own blocks
    with single-threaded OpenBLAS (NumPy releases the GIL), so the element-wise passes run in parallel too.
Prints one JSON line: score, queriesUsed, queriesDropped, seconds (end to end, including imports and
loading), peakRssMB (ru_maxrss).
"""
import time

T_START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402


def parse_args():
    ap = argparse.ArgumentParser(description="Fast NumPy CorrEmbed (paper defaults); prints one JSON line.")
    ap.add_argument("--dataset", required=True, help="manifest.json")
    ap.add_argument("--embeddings", required=True, help=".npy matrix, one row per manifest image")
    ap.add_argument("--block", type=int, default=1024, help="query rows per block (default 1024)")
    ap.add_argument("--threads", type=int, default=0,
                    help="worker threads (default: one per available core; 1 = a single thread using "
                         "multi-threaded OpenBLAS)")
    return ap.parse_args()


ARGS = parse_args()
try:
    CORES = len(os.sched_getaffinity(0))
except AttributeError:  # not Linux
    CORES = os.cpu_count() or 1
THREADS = ARGS.threads if ARGS.threads > 0 else CORES
if THREADS > 1:
    # Each worker thread calls BLAS on its own block: BLAS must not spawn its own threads as well.
    # (Must be set before NumPy loads OpenBLAS.)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"

import numpy as np  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

SCALE = np.float32(1e4)  # y is rounded to 4 decimals


def load(manifest_path, npy_path):
    with open(manifest_path, "rb") as f:
        manifest = json.load(f)
    # Memory-mapped: pages are read (from the page cache) by the worker threads as their blocks gather rows,
    # which is faster than a single-threaded read into fresh memory.
    E = np.load(npy_path, mmap_mode="r")
    if E.ndim != 2:
        sys.exit(f"numpy_score: {npy_path} is not a 2-D matrix")
    if E.dtype != np.float32 or not E.flags.c_contiguous:
        E = np.ascontiguousarray(E, dtype=np.float32)
    E = np.asarray(E)  # plain ndarray view (no memmap subclass overhead on every slice)
    images = manifest["images"]
    if E.shape[0] != len(images):
        sys.exit(f"numpy_score: {E.shape[0]} embedding rows but {len(images)} images")
    return manifest, E


def prepare(manifest):
    """Items with images (manifest order), each image's item, each item's first image, unit-norm tag matrix."""
    images = manifest["images"]
    has_image = {im["item"] for im in images}
    items = [it for it in manifest["items"] if it["id"] in has_image]
    item_index = {it["id"]: o for o, it in enumerate(items)}
    image_item = np.fromiter((item_index[im["item"]] for im in images), dtype=np.int64, count=len(images))
    _, first = np.unique(image_item, return_index=True)  # first image of item o in dataset order (sorted by o)

    weights = manifest.get("categoryWeights", {})
    vocab = {}  # (category, name) -> column
    rows, cols = [], []
    add_row, add_col, column = rows.append, cols.append, vocab.setdefault
    for o, it in enumerate(items):
        for t in it.get("tags", ()):
            add_row(o)
            add_col(column((t["category"], t["name"]), len(vocab)))
    # A tag's weight: its category's weight rounded to 2 decimals, 1 for a category without a weight.
    # (A tag listed twice on an item just sets the same cell twice.)
    column_weight = np.array([1.0 if weights.get(c) is None else round(weights[c], 2) for c, _ in vocab],
                             dtype=np.float32)
    cols = np.array(cols, dtype=np.int64)
    vals = column_weight[cols] if len(cols) else np.zeros(0, dtype=np.float32)
    T = np.zeros((len(items), max(len(vocab), 1)), dtype=np.float32)
    T[rows, cols] = vals
    norm = np.sqrt(np.einsum("ij,ij->i", T, T))
    T *= np.divide(1.0, norm, out=np.zeros_like(norm), where=norm > 0)[:, None]
    return image_item, first, T


PROFILE = bool(os.environ.get("NUMPY_SCORE_PROFILE"))


def mark(stage):
    """With NUMPY_SCORE_PROFILE=1 set, prints the time since start at each stage (stderr)."""
    if PROFILE:
        print(f"[numpy_score] {time.perf_counter() - T_START:7.3f}s {stage}", file=sys.stderr)


def main():
    mark("imports")
    manifest, E = load(ARGS.dataset, ARGS.embeddings)
    mark("loaded")
    image_item, first, Tn = prepare(manifest)
    mark("prepared")
    n_items = len(first)
    n_queries = E.shape[0]

    # Representatives, unit norm, times 1e4 (so GEMM gives 1e4 * cos directly).
    R = E[first]
    rnorm = np.sqrt(np.einsum("ij,ij->i", R, R))
    if (rnorm == 0).any() or not np.isfinite(rnorm).all():
        sys.exit("numpy_score: an embedding is all zeros or non-finite")
    R *= (SCALE / rnorm)[:, None]
    RT = R.T                      # (d, items) view; BLAS reads it transposed, no copy
    rbar = R.mean(axis=0)         # for the integer shift a_q ~ mean of row q
    TnT = Tn.T

    order = np.argsort(image_item, kind="stable")   # queries grouped by item
    r_sorted = np.empty(n_queries, dtype=np.float64)
    block = max(1, ARGS.block)
    starts = range(0, n_queries, block)

    def run_block(s):
        e = min(s + block, n_queries)
        qi = order[s:e]
        b = e - s
        Q = E[qi]                                            # (b, d) copy
        qn = np.sqrt(np.einsum("ij,ij->i", Q, Q))
        if (qn == 0).any() or not np.isfinite(qn).all():
            raise ValueError("an embedding is all zeros or non-finite")
        Q *= (1.0 / qn)[:, None].astype(np.float32)
        a = np.rint(Q @ rbar)                                # integer shift per query (float32)

        Y = Q @ RT                                           # (b, items) = 1e4 * cos
        np.rint(Y, out=Y)                                    # = 1e4 * round(cos, 4)
        Y -= a[:, None]

        # x side: one row per distinct query item in the block (rows of qi are grouped by item).
        qitems = image_item[qi]
        run_start = np.flatnonzero(np.r_[True, qitems[1:] != qitems[:-1]])
        run_end = np.r_[run_start[1:], b]
        U = qitems[run_start]
        X = Tn[U] @ TnT                                      # (k, items) tag cosines
        X -= X.mean(axis=1, dtype=np.float64).astype(np.float32)[:, None]
        xn = np.sqrt(np.einsum("ij,ij->i", X, X, dtype=np.float64))
        x_const = ~(xn > 1e-12)
        X *= np.divide(1.0, xn, out=np.zeros_like(xn), where=~x_const).astype(np.float32)[:, None]

        num = np.empty(b, dtype=np.float64)
        for k in range(len(U)):
            j0, j1 = run_start[k], run_end[k]
            num[j0:j1] = Y[j0:j1] @ X[k]
        # y side, after the numerator (Y is squared in place). Row sums along the contiguous axis use NumPy's
        # pairwise summation: accurate in float32 (a plain float32 dot/einsum here biases the score by ~1e-6).
        s1 = Y.sum(axis=1).astype(np.float64)
        np.square(Y, out=Y)
        s2 = Y.sum(axis=1).astype(np.float64)
        den2 = s2 - s1 * s1 / n_items                        # = sum (y - mean y)^2, in 1e-8 units
        r = np.full(b, np.nan)
        # Z is integer-valued: a non-constant row has sum of squared deviations >= (n-1)/n.
        ok = (den2 > 0.5) & ~np.repeat(x_const, run_end - run_start)
        r[ok] = num[ok] / np.sqrt(den2[ok])
        r_sorted[s:e] = r

    mark("representatives")
    if THREADS > 1:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            for _ in pool.map(run_block, starts):
                pass
    else:
        for s in starts:
            run_block(s)

    mark("blocks")
    used = ~np.isnan(r_sorted)
    n_used = int(used.sum())
    score = float(r_sorted[used].mean()) if n_used else None
    seconds = time.perf_counter() - T_START
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"score": score, "queriesUsed": n_used, "queriesDropped": n_queries - n_used,
                      "seconds": round(seconds, 3), "peakRssMB": round(peak_kb / 1024, 1),
                      "threads": THREADS, "block": block}))


if __name__ == "__main__":
    main()

# Independent, deliberately naive Python/NumPy reference of the CorrEmbed score, used to cross-check the TypeScript engine (test/crossCheck.test.ts).
"""
Written only from the metric's definition (docs/metric.md) and the CLI contract; it does not look at src/. It computes
the corrected definition (docs/metric.md, preset "corrected"): tags told apart by category and name, weights rounded
half to even, no category dropped. On datasets without shared tag names, rounding ties or dropped categories (such as
make_dataset.py's) that equals the notebook defaults; test/reference/notebook_reference.py is the notebook side.

Usage:
  python3 test/reference/corrembed_reference.py --dataset manifest.json [--embeddings e.npy] [--options options.json]
  python3 test/reference/corrembed_reference.py --dataset manifest.json [--embeddings e.npy] --options-batch list.json

The first form prints ONE JSON object (score, queriesUsed, queriesDropped, droppedQueries, perQuery,
perCategory, retrieval, and the diagnostic roundingMargin). The second (an extension used by the cross-check to save process start-ups) reads a
JSON array of option objects and prints ONE JSON object {"results": [result, ...]} in the same order.

Everything is float64 and computed with plain loops over queries and items.
"""
import argparse
import json
import math
import sys

import numpy as np

# Values that differ by no more than this are treated as equal when ranking (Spearman) and when deciding
# whether one side of a correlation is constant. Mathematically equal tag cosines can differ in the last
# bit depending on summation order; they must still count as ties / as constant.
TIE_TOL = 1e-12

DEFAULTS = {
    "tagWeighting": "weighted",
    "representative": "first",
    "includeSelf": True,
    "roundSimilarity": 4,
    "roundWeights": 2,
    "weightRounding": "python",
    "tagIdentity": "name",
    "dropCategories": ["Size", "brand", "Fit", "Shoe Size"],
    "correlation": "pearson",
    "queries": "all",
    "perCategory": True,
    "retrieval": True,
    "bootstrap": False,
    "baselines": False,
}


def fail(msg):
    sys.stderr.write("corrembed_reference: " + msg + "\n")
    sys.exit(2)


# ---------------------------------------------------------------- input


def load_dataset(manifest_path, embeddings_path):
    with open(manifest_path, "r", encoding="utf-8") as f:
        manifest = json.load(f)
    items = manifest.get("items") or []
    images = manifest.get("images") or []
    weights = manifest.get("categoryWeights") or {}
    item_ids = [it["id"] for it in items]
    if len(set(item_ids)) != len(item_ids):
        fail("duplicate item ids")
    item_index = {iid: k for k, iid in enumerate(item_ids)}
    for im in images:
        if im["item"] not in item_index:
            fail("image %r refers to unknown item %r" % (im["id"], im["item"]))
    if embeddings_path is not None:
        emb = np.load(embeddings_path, allow_pickle=False)
        if emb.ndim != 2 or emb.shape[0] != len(images):
            fail("embeddings shape %r does not match %d images" % (emb.shape, len(images)))
        emb = np.asarray(emb, dtype=np.float64)
    else:
        rows = []
        for im in images:
            if "embedding" not in im:
                fail("image %r has no inline embedding and no --embeddings was given" % im["id"])
            rows.append([float(v) for v in im["embedding"]])
        emb = np.array(rows, dtype=np.float64)
        if emb.ndim != 2:
            fail("inline embeddings have different lengths")
    return manifest, items, images, weights, item_index, emb


# ---------------------------------------------------------------- small maths


def cosine_matrix(A):
    """M[a, b] = cosine(A[a], A[b]) for the rows of A; 0 wherever either row is all zeros."""
    A = np.asarray(A, dtype=np.float64)
    norms = np.sqrt(np.sum(A * A, axis=1))
    dots = A @ A.T
    denom = np.outer(norms, norms)
    M = np.zeros_like(dots)
    nz = denom > 0.0
    M[nz] = dots[nz] / denom[nz]
    return M


def is_constant(v):
    v = np.asarray(v, dtype=np.float64)
    if v.size == 0:
        return True
    return float(v.max() - v.min()) <= TIE_TOL


def pearson(x, y):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if is_constant(x) or is_constant(y):
        return None
    dx = x - x.mean()
    dy = y - y.mean()
    den = math.sqrt(float(np.sum(dx * dx)) * float(np.sum(dy * dy)))
    if den == 0.0:
        return None
    return float(np.sum(dx * dy)) / den


def average_ranks(v):
    """1-based ranks; values within TIE_TOL of the first value of their run share the average rank."""
    v = np.asarray(v, dtype=np.float64)
    order = sorted(range(len(v)), key=lambda i: v[i])
    ranks = np.zeros(len(v), dtype=np.float64)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and v[order[end + 1]] - v[order[start]] <= TIE_TOL:
            end += 1
        avg = (start + end) / 2.0 + 1.0  # positions start..end (0-based) -> ranks start+1..end+1
        for k in range(start, end + 1):
            ranks[order[k]] = avg
        start = end + 1
    return ranks


def correlate(x, y, method):
    if is_constant(x) or is_constant(y):
        return None
    if method == "pearson":
        return pearson(x, y)
    if method == "spearman":
        return pearson(average_ranks(x), average_ranks(y))
    fail("unknown correlation %r" % method)


def round_or_not(value, digits, rule="halfEven"):
    if digits is None:
        return float(value)
    if rule == "python":
        return round(float(value), int(digits))  # the decimal nearest the binary value
    return float(np.round(np.float64(value), int(digits)))  # numpy: round half to even


# ---------------------------------------------------------------- the metric


def resolve_options(options):
    opts = dict(DEFAULTS)
    if (options or {}).get("preset") == "corrected":
        opts.update({"weightRounding": "halfEven", "tagIdentity": "category", "dropCategories": []})
    opts.update(options or {})
    if opts["tagWeighting"] not in ("weighted", "binary"):
        fail("tagWeighting must be weighted or binary")
    if opts["representative"] not in ("first", "nearest", "mean"):
        fail("representative must be first, nearest or mean")
    if opts["correlation"] not in ("pearson", "spearman"):
        fail("correlation must be pearson or spearman")
    return opts


def select_queries(images, queries):
    image_ids = [im["id"] for im in images]
    pos = {iid: k for k, iid in enumerate(image_ids)}
    if queries == "all" or queries is None:
        return list(range(len(images)))
    if isinstance(queries, list):
        out = []
        for q in queries:
            if q not in pos:
                fail("unknown query image %r" % q)
            out.append(pos[q])
        return out
    if isinstance(queries, dict) and "sample" in queries:
        # NOT comparable with any other implementation (different random generator); provided only so
        # the option is accepted. Sampled without replacement, kept in dataset order.
        n = min(int(queries["sample"]), len(images))
        rng = np.random.default_rng(int(queries.get("seed", 0)))
        return sorted(int(i) for i in rng.choice(len(images), size=n, replace=False))
    fail("queries must be \"all\", a list of image ids or {sample, seed}")


def score(manifest_items, images, weights, item_index, emb, options):
    opts = resolve_options(options)
    n_items = len(manifest_items)
    dropped = set(opts["dropCategories"])
    manifest_items = [dict(it, tags=[t for t in it.get("tags") or [] if t["category"] not in dropped]) for it in manifest_items]

    # Tag vocabulary: distinct (category, name) over all items, in first-seen order.
    vocab = []
    vocab_pos = {}
    categories = []  # categories that appear on some item's tags, first-seen order
    for it in manifest_items:
        for tag in it.get("tags") or []:
            key = (tag["category"], tag["name"])
            if key not in vocab_pos:
                vocab_pos[key] = len(vocab)
                vocab.append(key)
            if tag["category"] not in categories:
                categories.append(tag["category"])

    def tag_value(category):
        if opts["tagWeighting"] == "binary":
            return 1.0
        w = weights.get(category)
        if w is None:
            return 1.0
        return round_or_not(float(w), opts["roundWeights"], opts["weightRounding"])

    # Per-category tag vectors (multi-hot; a tag listed twice on an item is still one tag).
    T = np.zeros((n_items, len(vocab)), dtype=np.float64)
    for o, it in enumerate(manifest_items):
        for tag in it.get("tags") or []:
            key = (tag["category"], tag["name"])
            T[o, vocab_pos[key]] = tag_value(tag["category"])
    # The overall tag vectors: by name alone (a name shared by categories is one entry, the value written last
    # wins) or by (category, name), as tagIdentity says.
    by_name = opts["tagIdentity"] == "name"
    full_pos = {}
    for it in manifest_items:
        for tag in it.get("tags") or []:
            full_pos.setdefault(tag["name"] if by_name else (tag["category"], tag["name"]), len(full_pos))
    T_full = np.zeros((n_items, len(full_pos)), dtype=np.float64)
    for o, it in enumerate(manifest_items):
        for tag in it.get("tags") or []:
            T_full[o, full_pos[tag["name"] if by_name else (tag["category"], tag["name"])]] = tag_value(tag["category"])
    cat_cols = {c: [j for j, key in enumerate(vocab) if key[0] == c] for c in categories}

    # Images of each item, in dataset order.
    images_of = [[] for _ in range(n_items)]
    for i, im in enumerate(images):
        images_of[item_index[im["item"]]].append(i)
    items_with_images = [o for o in range(n_items) if images_of[o]]

    query_idx = select_queries(images, opts["queries"])

    # Tag cosine between every pair of items: full vectors, and restricted to each category's columns.
    X = cosine_matrix(T_full)
    Xc = {c: cosine_matrix(T[:, cat_cols[c]]) for c in categories}
    # Embedding cosine between every pair of images.
    S = cosine_matrix(emb)

    def rep_similarity(q, o):
        """Unrounded similarity of query image q to item o under the representative rule."""
        imgs = images_of[o]
        if opts["representative"] == "first":
            return S[imgs[0], q]
        if opts["representative"] == "nearest":
            return max(S[i, q] for i in imgs)
        # mean
        return sum(S[i, q] for i in imgs) / len(imgs)

    # Diagnostic, not part of the metric: the smallest distance of any similarity that gets rounded to a
    # rounding boundary (x.5 in the last kept digit). Another implementation computing cosines in float32 may
    # round a value this close to the boundary the other way; a cross-check with few digits should avoid it.
    margin = [math.inf]

    def rounded_y(value):
        digits = opts["roundSimilarity"]
        if digits is not None:
            scaled = float(value) * 10.0 ** int(digits)
            margin[0] = min(margin[0], abs(scaled - math.floor(scaled) - 0.5) / 10.0 ** int(digits))
        return round_or_not(value, digits)

    per_query = {}
    dropped = []
    r_values = []
    cat_sums = {c: [] for c in categories}
    ks = (1, 5, 10)
    mts_sums = {k: [] for k in ks}
    ndcgs = []

    for q in query_idx:
        qid = images[q]["id"]
        oq = item_index[images[q]["item"]]
        sims = {o: rep_similarity(q, o) for o in items_with_images}

        pairs = [o for o in items_with_images if opts["includeSelf"] or o != oq]
        x = [X[o, oq] for o in pairs]
        y = [rounded_y(sims[o]) for o in pairs]
        r = correlate(x, y, opts["correlation"])
        if r is None:
            dropped.append(qid)
        else:
            per_query[qid] = r
            r_values.append(r)

        if opts["perCategory"]:
            for c in categories:
                xc = [Xc[c][o, oq] for o in pairs]
                rc = correlate(xc, y, opts["correlation"])
                if rc is not None:
                    cat_sums[c].append(rc)

        if opts["retrieval"]:
            cands = [o for o in items_with_images if o != oq]
            if cands:
                # descending unrounded similarity; ties by item order in the manifest
                ranked = sorted(cands, key=lambda o: (-sims[o], o))
                for k in ks:
                    top = ranked[: min(k, len(ranked))]
                    mts_sums[k].append(sum(X[o, oq] for o in top) / len(top))
                dcg = sum(X[o, oq] / math.log2(i + 2) for i, o in enumerate(ranked[:10]))
                ideal = sorted((X[o, oq] for o in cands), reverse=True)[:10]
                idcg = sum(v / math.log2(i + 2) for i, v in enumerate(ideal))
                if idcg > 0:
                    ndcgs.append(dcg / idcg)

    def mean_or_null(vals):
        return (sum(vals) / len(vals)) if vals else None

    result = {
        "score": mean_or_null(r_values),
        "queriesUsed": len(r_values),
        "queriesDropped": len(dropped),
        "droppedQueries": dropped,
        "perQuery": per_query,
        "perCategory": ({c: mean_or_null(cat_sums[c]) for c in categories} if opts["perCategory"] else None),
        "retrieval": (
            {
                "meanTagSimilarityAt": {str(k): mean_or_null(mts_sums[k]) for k in ks},
                "ndcgAt10": mean_or_null(ndcgs),
            }
            if opts["retrieval"]
            else None
        ),
        "roundingMargin": (None if opts["roundSimilarity"] is None or margin[0] == math.inf else margin[0]),
    }
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--dataset", required=True)
    ap.add_argument("--embeddings")
    ap.add_argument("--options")
    ap.add_argument("--options-batch")
    args = ap.parse_args(argv)
    if args.options and args.options_batch:
        fail("give --options or --options-batch, not both")
    _, items, images, weights, item_index, emb = load_dataset(args.dataset, args.embeddings)
    if args.options_batch:
        with open(args.options_batch, "r", encoding="utf-8") as f:
            batch = json.load(f)
        out = {"results": [score(items, images, weights, item_index, emb, o) for o in batch]}
    else:
        options = {}
        if args.options:
            with open(args.options, "r", encoding="utf-8") as f:
                options = json.load(f)
        out = score(items, images, weights, item_index, emb, options)
    json.dump(out, sys.stdout, allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

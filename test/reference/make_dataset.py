# Generates a random CorrEmbed test dataset (manifest.json + embeddings.npy) for the reference cross-check (test/crossCheck.test.ts).
"""
Usage:
  python3 test/reference/make_dataset.py --out DIR --seed S [--items N] [--images-per-item-max K] [--dim D]
                                         [--float16] [--inline] [--quirks]

Writes DIR/manifest.json and, unless --inline, DIR/embeddings.npy (float32, or float16 with --float16, C order,
shape images x dim, rows in manifest image order). With --inline the embeddings go into the manifest as
`embedding` arrays instead (the exact float32/float16 values, written as JSON numbers).

What the data exercises:
- 3-6 categories with 2-5 tags each; categoryWeights for most but never all categories (a missing one counts
  1); weights are k/1000 with k not a multiple of 5, so rounding them to 1 or 2 decimals never hits a tie;
  sometimes a tiny weight that rounds to 0, sometimes a weight for a category no item uses;
- items with 1-3 tags per category, each category missing on some items; at least one item with no tags;
  sometimes an item with no images;
- images shuffled, so an item's images are scattered through the file rather than grouped;
- with --quirks, what the notebook defaults treat their own way (docs/metric.md): the same tag names in every
  category, weights at rounding ties (0.355, 0.445, 0.015) and a category named Size;
- embeddings = sum of per-tag random vectors (scaled by category) + per-item and per-image noise + a shared
  offset, so correlations with the tags are clearly non-zero but far from 1.
"""
import argparse
import json
import os

import numpy as np

CATEGORY_NAMES = ["Category", "Color", "Material", "Pattern", "Sleeve", "Length", "Neckline", "Occasion"]
TAG_NAMES = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf"]


def weight_from(rng, lo, hi):
    """A weight k/1000 with lo <= k <= hi and k % 5 != 0 (no ties when rounded to 1 or 2 decimals)."""
    while True:
        k = int(rng.integers(lo, hi + 1))
        if k % 5 != 0:
            return k / 1000.0


def generate(seed, n_items, k_max, dim, quirks=False):
    rng = np.random.default_rng(seed)

    n_cat = int(rng.integers(3, 7))
    cats = [str(c) for c in rng.permutation(CATEGORY_NAMES)[:n_cat]]
    if quirks:
        cats[-1] = "Size"  # a category the notebooks drop
    cat_tags = {}
    for c in cats:
        n_tags = int(rng.integers(2, 6))
        # --quirks: the same names in every category (one tag each when told apart by name alone)
        cat_tags[c] = [t if quirks else c[:3] + "-" + t for t in TAG_NAMES[:n_tags]]

    # Category weights: most categories, never all of them.
    n_missing = 1 if n_cat < 5 else 2
    missing = set(str(c) for c in rng.choice(cats, size=n_missing, replace=False))
    weights = {}
    weighted_cats = [c for c in cats if c not in missing]
    for c in weighted_cats:
        weights[c] = weight_from(rng, 101, 999)
    if quirks:
        # weights Python's round and numpy.round round differently (.355 -> .35 / .36, .445 -> .45 / .44)
        for c, w in zip(weighted_cats, [0.355, 0.445, 0.015]):
            weights[c] = w
    if rng.random() < 0.4:
        # a tiny weight: rounds to 0.00 (and 0.0), so that category's tags vanish under rounding
        weights[weighted_cats[int(rng.integers(0, len(weighted_cats)))]] = weight_from(rng, 1, 4)
    if rng.random() < 0.5:
        weights["Unused"] = weight_from(rng, 101, 999)

    # Items and tags.
    items = []
    id_numbers = rng.permutation(n_items)  # ids deliberately not in manifest order
    no_tags = int(rng.integers(0, n_items))
    for o in range(n_items):
        tags = []
        if o != no_tags:
            for c in cats:
                if rng.random() < 0.25:
                    continue  # category missing on this item
                k = min(int(rng.integers(1, 4)), len(cat_tags[c]))
                for name in rng.choice(cat_tags[c], size=k, replace=False):
                    tags.append({"category": c, "name": str(name)})
        items.append({"id": "item%03d" % int(id_numbers[o]), "tags": tags})

    # Images per item; sometimes one item (never the tag-less one) has none.
    counts = [int(rng.integers(1, k_max + 1)) for _ in range(n_items)]
    if rng.random() < 0.6:
        choices = [o for o in range(n_items) if o != no_tags]
        counts[int(rng.choice(choices))] = 0
    # make sure some items have several images (so first/nearest/mean differ)
    for o in rng.choice(n_items, size=max(1, n_items // 5), replace=False):
        if counts[int(o)] > 0:
            counts[int(o)] = max(counts[int(o)], min(k_max, 3)) if k_max >= 2 else counts[int(o)]
    owners = [o for o in range(n_items) for _ in range(counts[o])]
    owners = [owners[i] for i in rng.permutation(len(owners))]

    # Embeddings correlated with the tags.
    tag_vec = {}
    for c in cats:
        scale = 0.5 + rng.random()
        for t in cat_tags[c]:
            tag_vec[(c, t)] = scale * rng.standard_normal(dim)
    offset = 0.8 * rng.standard_normal(dim)
    latent = []
    for it in items:
        v = 1.2 * rng.standard_normal(dim)
        for tag in it["tags"]:
            v = v + tag_vec[(tag["category"], tag["name"])]
        latent.append(v)
    emb = np.zeros((len(owners), dim), dtype=np.float64)
    for i, o in enumerate(owners):
        emb[i] = offset + latent[o] + 0.9 * rng.standard_normal(dim)

    images = []
    for i, o in enumerate(owners):
        iid = "img%04d" % i
        images.append({"id": iid, "item": items[o]["id"], "uri": "images/%s.jpg" % iid})

    manifest = {
        "name": "random-seed-%d" % seed,
        "categoryWeights": weights,
        "items": items,
        "images": images,
    }
    return manifest, emb


def main():
    ap = argparse.ArgumentParser(description="Random CorrEmbed test dataset generator")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--items", type=int, default=40)
    ap.add_argument("--images-per-item-max", type=int, default=3)
    ap.add_argument("--dim", type=int, default=16)
    ap.add_argument("--float16", action="store_true")
    ap.add_argument("--inline", action="store_true")
    ap.add_argument("--quirks", action="store_true", help="shared tag names, rounding-tie weights, a Size category")
    args = ap.parse_args()
    if args.items < 3:
        ap.error("--items must be at least 3")
    if args.images_per_item_max < 1:
        ap.error("--images-per-item-max must be at least 1")

    manifest, emb = generate(args.seed, args.items, args.images_per_item_max, args.dim, args.quirks)
    emb = np.ascontiguousarray(emb.astype(np.float16 if args.float16 else np.float32))

    os.makedirs(args.out, exist_ok=True)
    if args.inline:
        for im, row in zip(manifest["images"], emb):
            im["embedding"] = [float(v) for v in row]  # exact float32/float16 values
    else:
        np.save(os.path.join(args.out, "embeddings.npy"), emb, allow_pickle=False)
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

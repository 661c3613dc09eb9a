# Generates a synthetic, realistically tagged CorrEmbed scoring dataset (manifest.json + embeddings.npy) for bench/score.ts.
"""Synthetic fashion-rental dataset for the scoring benchmark.

Writes bench/.data/score-<images>-<items>-<dim>/{manifest.json, embeddings.npy} (or --out DIR):
  * 16 tag categories with the paper's behaviour-derived weights (12 published + 4 invented),
    ~540 distinct tags with Zipf-like popularity inside each category, 0-2 tags per category per item;
  * every item has >= 1 image, some several; images are shuffled so an item's images are not adjacent;
  * embeddings (float32, C order, N x d, rows in manifest image order) are a ReLU of a shared positive
    offset + a weighted mix of per-tag latent vectors + a per-item latent + per-image noise, so that
    embedding cosines carry tag information (per-query correlations of roughly 0.1-0.4).
Existing files are kept (delete the folder to regenerate). Deterministic for a given --seed.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

# (category, weight, number of distinct tags, P(0 tags), P(1 tag), P(2 tags))
CATEGORIES = [
    ("Embellishment", 0.71, 24, 0.70, 0.25, 0.05),
    ("Brand", 0.66, 150, 0.03, 0.95, 0.02),
    ("Category", 0.59, 34, 0.00, 0.85, 0.15),
    ("Pattern", 0.54, 26, 0.30, 0.62, 0.08),
    ("Material", 0.45, 30, 0.10, 0.60, 0.30),
    ("Sleeve", 0.42, 10, 0.20, 0.78, 0.02),
    ("Waist", 0.41, 8, 0.40, 0.58, 0.02),
    ("Neckline", 0.37, 18, 0.25, 0.72, 0.03),
    ("Length", 0.36, 9, 0.10, 0.88, 0.02),
    ("Color", 0.34, 42, 0.02, 0.58, 0.40),
    ("Occasion", 0.29, 20, 0.15, 0.45, 0.40),
    ("No category", 0.22, 60, 0.50, 0.35, 0.15),
    # Four more, not published in the paper (weights invented for the benchmark).
    ("Style", 0.48, 40, 0.20, 0.55, 0.25),
    ("Silhouette", 0.39, 22, 0.30, 0.65, 0.05),
    ("Closure", 0.31, 12, 0.45, 0.50, 0.05),
    ("Season", 0.25, 35, 0.30, 0.40, 0.30),
]

TAG_NAMES = {
    "Color": ["Black", "White", "Blue", "Red", "Green", "Pink", "Beige", "Grey", "Navy", "Brown", "Yellow", "Purple",
              "Orange", "Gold", "Silver", "Burgundy", "Cream", "Khaki", "Turquoise", "Lilac"],
    "Category": ["Dresses", "Pants", "Skirts", "Blouses", "Jackets", "Coats", "Jumpsuits", "Tops", "Knitwear", "Suits",
                 "Shorts", "Bags", "Shoes", "Jewelry", "Blazers", "Shirts"],
    "Material": ["Cotton", "Silk", "Wool", "Linen", "Polyester", "Viscose", "Leather", "Denim", "Cashmere", "Satin",
                 "Velvet", "Lace", "Chiffon", "Tulle"],
    "Pattern": ["Solid", "Floral", "Striped", "Checked", "Dotted", "Leopard", "Paisley", "Geometric", "Abstract"],
    "Sleeve": ["Long", "Short", "Sleeveless", "Three-quarter", "Puff", "Cap", "Strapless", "One-shoulder"],
    "Length": ["Mini", "Midi", "Maxi", "Knee", "Ankle", "Floor"],
}


# Embedding mix: tag signal = TAG_GAIN * category weight + TAG_BASE per tag; per-item and per-image noise scales.
TAG_GAIN, TAG_BASE, ITEM_SCALE, NOISE_SCALE = 0.05, 0.02, 0.3, 0.3
UNTAGGED = 0.005  # share of items without any tag (their queries have constant x: r is NaN and dropped)


def zipf_probabilities(n, exponent, rng):
    """Zipf-like popularity over n tags (rank^-exponent), in a random order so tag 0 is not always the top one."""
    p = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** exponent
    rng.shuffle(p)
    return p / p.sum()


def tag_names(category, count):
    base = TAG_NAMES.get(category, [])
    return [base[k] if k < len(base) else f"{category} {k + 1}" for k in range(count)]


def generate(images, items, dim, seed):
    rng = np.random.default_rng(seed)

    # --- vocabulary: global tag index, category of every tag, per-category popularity ---
    vocab = []  # (category, name)
    tag_category = []
    cat_offsets = [0]
    for c, (cat, _w, count, *_p) in enumerate(CATEGORIES):
        for name in tag_names(cat, count):
            vocab.append((cat, name))
            tag_category.append(c)
        cat_offsets.append(len(vocab))
    V = len(vocab)
    tag_category = np.array(tag_category)

    # --- item tags: 0-2 tags per category, Zipf popularity, no duplicates ---
    item_tags = [[] for _ in range(items)]
    A = np.zeros((items, V), dtype=np.float32)  # item x tag incidence (for the embeddings)
    for c, (cat, _w, count, p0, p1, p2) in enumerate(CATEGORIES):
        probs = zipf_probabilities(count, 1.1, rng)
        k = rng.choice(3, size=items, p=np.array([p0, p1, p2]) / (p0 + p1 + p2))
        first = rng.choice(count, size=items, p=probs)
        second = rng.choice(count, size=items, p=probs)
        second_ok = (k == 2) & (second != first)
        for o in np.nonzero(k >= 1)[0]:
            t = cat_offsets[c] + first[o]
            A[o, t] = 1
            if second_ok[o]:
                A[o, cat_offsets[c] + second[o]] = 1
    A[rng.random(items) < UNTAGGED] = 0
    for o, ts in enumerate(item_tags):
        ts.extend(int(t) for t in np.nonzero(A[o])[0])

    # --- images: every item at least one, the rest skewed (a few items have many photos), shuffled order ---
    if images < items:
        raise SystemExit(f"make_score_data: --images ({images}) must be >= --items ({items}): every item needs an image")
    popularity = rng.pareto(2.0, size=items) + 0.2
    extra = rng.choice(items, size=images - items, p=popularity / popularity.sum())
    image_item = np.concatenate([np.arange(items), extra])
    rng.shuffle(image_item)

    # --- embeddings: ReLU(offset + tag mix + item latent + image noise), float32 ---
    weights = np.array([w for _c, w, *_r in CATEGORIES], dtype=np.float32)
    offset = (0.05 + 0.35 * rng.random(dim)).astype(np.float32)      # shared positive mean (pooled ReLU features)
    tag_latent = rng.standard_normal((V, dim), dtype=np.float32)
    tag_strength = (TAG_GAIN * weights[tag_category] + TAG_BASE).astype(np.float32)
    tag_part = A @ (tag_latent * tag_strength[:, None])                # items x dim
    # Items differ in how distinctive they look, images in how noisy they are: spreads the per-query r.
    item_scale = (ITEM_SCALE * rng.lognormal(0.0, 0.35, size=items)).astype(np.float32)
    item_part = item_scale[:, None] * rng.standard_normal((items, dim), dtype=np.float32)
    item_latent = tag_part + item_part
    image_scale = (NOISE_SCALE * rng.lognormal(0.0, 0.3, size=images)).astype(np.float32)
    E = np.empty((images, dim), dtype=np.float32)
    chunk = 4096
    for s in range(0, images, chunk):
        e = slice(s, min(s + chunk, images))
        block = item_latent[image_item[e]]
        block += image_scale[e, None] * rng.standard_normal(block.shape, dtype=np.float32)
        block += offset
        np.maximum(block, 0, out=block)
        E[e] = block

    manifest = {
        "name": f"synthetic-score-{images}-{items}-{dim}",
        "categoryWeights": {cat: w for cat, w, *_r in CATEGORIES},
        "items": [
            {"id": f"i{o}", "tags": [{"category": vocab[t][0], "name": vocab[t][1]} for t in item_tags[o]]}
            for o in range(items)
        ],
        "images": [{"id": f"p{k}", "item": f"i{int(o)}", "uri": f"images/p{k}.jpg"} for k, o in enumerate(image_item)],
    }
    used = int((A.sum(axis=0) > 0).sum())
    return manifest, E, V, used


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=20000)
    ap.add_argument("--items", type=int, default=8000)
    ap.add_argument("--dim", type=int, default=2048)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="output folder (default bench/.data/score-<images>-<items>-<dim>)")
    args = ap.parse_args()
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), ".data",
                                   f"score-{args.images}-{args.items}-{args.dim}")
    manifest_path = os.path.join(out, "manifest.json")
    npy_path = os.path.join(out, "embeddings.npy")
    if os.path.exists(manifest_path) and os.path.exists(npy_path):
        print(json.dumps({"dir": out, "manifest": manifest_path, "embeddings": npy_path, "generated": False}))
        return
    t0 = time.perf_counter()
    manifest, E, vocab_size, used = generate(args.images, args.items, args.dim, args.seed)
    os.makedirs(out, exist_ok=True)
    # Write to temporary names, then rename, so an interrupted run never leaves a half-written dataset behind.
    with open(manifest_path + ".tmp", "w") as f:
        json.dump(manifest, f, separators=(",", ":"))
    with open(npy_path + ".tmp", "wb") as f:
        np.save(f, np.ascontiguousarray(E, dtype=np.float32))
    os.replace(npy_path + ".tmp", npy_path)
    os.replace(manifest_path + ".tmp", manifest_path)
    print(json.dumps({"dir": out, "manifest": manifest_path, "embeddings": npy_path, "generated": True,
                      "vocabulary": vocab_size, "tagsUsed": used, "seconds": round(time.perf_counter() - t0, 2)}))


if __name__ == "__main__":
    sys.exit(main())

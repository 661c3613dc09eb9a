# Imports Fashion-MNIST (Debian's dataset-fashion-mnist IDX files) as a CorrEmbed dataset: PNG images + manifest.json.
"""
Usage: /usr/bin/python3 tools/import_fashion_mnist.py --out DIR [--split test|train] [--limit N | --per-class K]
                                                      [--source /usr/share/datasets/fashion-mnist] [--name TEMPLATE]

Reads {t10k,train}-{images-idx3,labels-idx1}-ubyte.gz (Zalando Research, MIT licence) and writes every selected
image as a 28x28 greyscale PNG (DIR/images/<id>.png) plus DIR/manifest.json. Every image is its own item; ids are
fm-<index> for the test split and fm-train-<index> for the training split (index = position in the IDX file).
Selection is deterministic: all images, the first --limit N, or the first --per-class K of every class (in file
order). --name is the dataset name; {count} and {split} are filled in.

Tag taxonomy (documented in docs/datasets.md, "Demo data"; category weights in WEIGHTS):
  Category  the Fashion-MNIST class (human-assigned label)
  Garment   Top / Bottom / One-piece / Footwear / Accessory (from the class)
  Sleeve    Short / Long for tops (from the class; absent otherwise)
  Color     Dark / Mid / Light: mean grey level of the product's pixels (derived from the image, not human)
Only the Python standard library is needed; tools/train_zoo.py reuses read_idx and CLASSES.
"""
import argparse, gzip, json, os, struct, zlib

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
GARMENT = {"T-shirt/top": "Top", "Pullover": "Top", "Coat": "Top", "Shirt": "Top", "Trouser": "Bottom", "Dress": "One-piece",
           "Sandal": "Footwear", "Sneaker": "Footwear", "Ankle boot": "Footwear", "Bag": "Accessory"}
SLEEVE = {"T-shirt/top": "Short", "Pullover": "Long", "Coat": "Long", "Shirt": "Long"}
WEIGHTS = {"Category": 0.59, "Garment": 0.45, "Sleeve": 0.42, "Color": 0.34}
FILES = {"test": "t10k", "train": "train"}


def read_idx(path):
    """An IDX file: (list of per-image byte strings, rows, cols) for images, (list of labels, None, None) for labels."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return [data[16 + i * rows * cols: 16 + (i + 1) * rows * cols] for i in range(count)], rows, cols
    return list(data[8:8 + count]), None, None


def read_split(source, split):
    """(images, labels, rows, cols) of the 'test' or 'train' split."""
    images, rows, cols = read_idx(os.path.join(source, "%s-images-idx3-ubyte.gz" % FILES[split]))
    labels, _, _ = read_idx(os.path.join(source, "%s-labels-idx1-ubyte.gz" % FILES[split]))
    return images, labels, rows, cols


def png_grey(pixels, width, height):
    raw = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))
    chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def tone(pixels):
    ink = [p for p in pixels if p > 30]
    mean = sum(ink) / max(1, len(ink))
    return "Dark" if mean < 110 else "Light" if mean > 170 else "Mid"


def tags(name, pixels):
    found = [{"category": "Category", "name": name}, {"category": "Garment", "name": GARMENT[name]}, {"category": "Color", "name": tone(pixels)}]
    if name in SLEEVE:
        found.append({"category": "Sleeve", "name": SLEEVE[name]})
    return found


def select(labels, limit, per_class):
    """Indices of the chosen images, in file order."""
    if per_class is None:
        return list(range(len(labels) if limit is None else min(limit, len(labels))))
    taken = [0] * len(CLASSES)
    chosen = []
    for index, label in enumerate(labels):
        if taken[label] < per_class:
            taken[label] += 1
            chosen.append(index)
    return chosen


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--split", choices=sorted(FILES), default="test")
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--limit", type=int, help="the first N images")
    which.add_argument("--per-class", type=int, help="the first K images of every class")
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default="Fashion-MNIST {split} ({count} images)")
    args = ap.parse_args(argv)
    images, labels, rows, cols = read_split(args.source, args.split)
    prefix = "fm-" if args.split == "test" else "fm-train-"
    os.makedirs(os.path.join(args.out, "images"), exist_ok=True)
    items, manifest_images = [], []
    for index in select(labels, args.limit, args.per_class):
        pixels = images[index]
        item_id = "%s%05d" % (prefix, index)
        items.append({"id": item_id, "tags": tags(CLASSES[labels[index]], pixels)})
        uri = "images/%s.png" % item_id
        with open(os.path.join(args.out, uri), "wb") as f:
            f.write(png_grey(pixels, cols, rows))
        manifest_images.append({"id": item_id, "item": item_id, "uri": uri})
    name = args.name.format(count=len(items), split=args.split)
    manifest = {"name": name, "categoryWeights": WEIGHTS, "items": items, "images": manifest_images}
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print("wrote %d images to %s" % (len(items), args.out))


if __name__ == "__main__":
    main()

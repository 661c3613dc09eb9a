# Builds the committed demo dataset demo/fashion-mnist/ (PNG images + manifest.json) from Debian's dataset-fashion-mnist.
"""
Usage: python3 tools/make_fashion_demo.py [--source /usr/share/datasets/fashion-mnist] [--per-class 20] [--out demo/fashion-mnist]

Takes the first --per-class images of every class from the Fashion-MNIST test split (Zalando Research, MIT
licence), writes them as 28x28 greyscale PNGs and a CorrEmbed dataset manifest. Every image is its own item.
Tag taxonomy (documented in the README):
  Category  the Fashion-MNIST class (human-assigned label)
  Garment   Top / Bottom / One-piece / Footwear / Accessory (from the class)
  Sleeve    Short / Long for tops (from the class; absent otherwise)
  Color     Dark / Mid / Light: mean grey level of the product's pixels (derived from the image, not human)
Only the Python standard library is needed.
"""
import argparse, gzip, json, os, struct, zlib

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
GARMENT = {"T-shirt/top": "Top", "Pullover": "Top", "Coat": "Top", "Shirt": "Top", "Trouser": "Bottom", "Dress": "One-piece",
           "Sandal": "Footwear", "Sneaker": "Footwear", "Ankle boot": "Footwear", "Bag": "Accessory"}
SLEEVE = {"T-shirt/top": "Short", "Pullover": "Long", "Coat": "Long", "Shirt": "Long"}
WEIGHTS = {"Category": 0.59, "Garment": 0.45, "Sleeve": 0.42, "Color": 0.34}


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return [data[16 + i * rows * cols: 16 + (i + 1) * rows * cols] for i in range(count)], rows, cols
    return list(data[8:8 + count]), None, None


def png_grey(pixels, width, height):
    raw = b"".join(b"\x00" + pixels[y * width:(y + 1) * width] for y in range(height))
    chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def tone(pixels):
    ink = [p for p in pixels if p > 30]
    mean = sum(ink) / max(1, len(ink))
    return "Dark" if mean < 110 else "Light" if mean > 170 else "Mid"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--per-class", type=int, default=20)
    ap.add_argument("--out", default="demo/fashion-mnist")
    args = ap.parse_args()
    images, rows, cols = read_idx(os.path.join(args.source, "t10k-images-idx3-ubyte.gz"))
    labels, _, _ = read_idx(os.path.join(args.source, "t10k-labels-idx1-ubyte.gz"))
    os.makedirs(os.path.join(args.out, "images"), exist_ok=True)
    taken = {c: 0 for c in range(10)}
    items, manifest_images = [], []
    for index, (pixels, label) in enumerate(zip(images, labels)):
        if taken[label] >= args.per_class:
            continue
        taken[label] += 1
        name = CLASSES[label]
        item_id = "fm-%05d" % index
        tags = [{"category": "Category", "name": name}, {"category": "Garment", "name": GARMENT[name]}, {"category": "Color", "name": tone(pixels)}]
        if name in SLEEVE:
            tags.append({"category": "Sleeve", "name": SLEEVE[name]})
        items.append({"id": item_id, "tags": tags})
        uri = "images/%s.png" % item_id
        with open(os.path.join(args.out, uri), "wb") as f:
            f.write(png_grey(pixels, cols, rows))
        manifest_images.append({"id": item_id, "item": item_id, "uri": uri})
        if all(v >= args.per_class for v in taken.values()):
            break
    manifest = {"name": "Fashion-MNIST demo (%d test images)" % len(items), "categoryWeights": WEIGHTS, "items": items, "images": manifest_images}
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print("wrote %d images to %s" % (len(items), args.out))


if __name__ == "__main__":
    main()

"""Photo-like JPEGs for the device benchmark, made with PIL where sharp is not installed (bench/device/run.sh).

Like writePhotoJpegs in test/support/images.ts (not byte-identical): smooth colour regions plus grain, quality 85,
shorter side 300 to 600 px, aspect 3:4 to 16:9, landscape and portrait; deterministic for a given --count.

  python3 bench/device/make_photos.py --count 256 --out /tmp/photos
"""
import argparse
import os

import numpy as np
from PIL import Image


def photo(rng):
    short = int(rng.integers(300, 601))
    long = int(short * rng.uniform(4 / 3, 16 / 9))
    width, height = (long, short) if rng.random() < 0.6 else (short, long)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.zeros((height, width, 3), np.float32)
    for c in range(3):
        fx, fy, phase = rng.uniform(0.002, 0.02), rng.uniform(0.002, 0.02), rng.uniform(0, 6.3)
        image[..., c] = 128 + 100 * np.sin(x * fx + y * fy + phase)
    image += rng.normal(0, 12, image.shape).astype(np.float32)
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8), "RGB")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=256)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = np.random.default_rng(20261127)
    for i in range(args.count):
        photo(rng).save(os.path.join(args.out, f"photo-{i:05d}.jpg"), quality=85)
    print(f"{args.count} photos -> {args.out}")


if __name__ == "__main__":
    main()

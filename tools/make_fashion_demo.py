# Builds the committed demo dataset demo/fashion-mnist/ (PNG images + manifest.json) from Debian's dataset-fashion-mnist.
"""
Usage: python3 tools/make_fashion_demo.py [--source /usr/share/datasets/fashion-mnist] [--per-class 20] [--out demo/fashion-mnist]

tools/import_fashion_mnist.py with the demo's settings: the first --per-class images of every class of the test
split; the tag taxonomy is documented there and in docs/datasets.md. Only the Python standard library is needed.
"""
import sys

from import_fashion_mnist import main

if __name__ == "__main__":
    main(["--split", "test", "--per-class", "20", "--out", "demo/fashion-mnist", "--name", "Fashion-MNIST demo ({count} test images)"] + sys.argv[1:])

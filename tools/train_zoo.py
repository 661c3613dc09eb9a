# Trains the Fashion-MNIST model zoo (models/zoo/): small networks of different capacity, exported as ONNX embedding models.
"""
Usage: /usr/bin/python3 tools/train_zoo.py [--source /usr/share/datasets/fashion-mnist] [--out models/zoo] [--epochs 2]

Needs Debian's python3-torch (CPU) and numpy. Every network is trained with Adam (lr 1e-3, batch 128, fixed seeds)
on the 60,000-image training split only; its accuracy is measured on the 10,000-image t10k (test) split after every
epoch. Each is exported to <out>/<name>.onnx with input "image" [N, 3, 28, 28] (dynamic N; the three channels are
averaged inside the graph, since the platform replicates a grey PNG to RGB) and output "features": the penultimate
features, i.e. the input of the final classification layer. <out>/<name>.json is its platform model manifest:
preprocess = the training normalisation (resize 28, crop 28: no resampling), metadata.imagenetAcc1 = the measured
Fashion-MNIST test accuracy in percent (the platform's accuracy field; NOT ImageNet), params = parameters in the
ONNX graph. The log (per-epoch loss and accuracy, seeds, wall times) goes to stdout and <out>/TRAINING.log.
"""
import argparse, json, os, platform, time

import numpy as np
import torch
from torch import nn

from import_fashion_mnist import read_split

SEED = 20231212
MEAN, STD = 0.2860, 0.3530  # training-split pixel mean and std in [0, 1], rounded (checked against the data below)


def linear32():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 32)), nn.Linear(32, 10)


def mlp128():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU()), nn.Linear(128, 10)


def cnn(c1, c2, hidden):
    features = nn.Sequential(
        nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(c2 * 7 * 7, hidden), nn.ReLU())
    return features, nn.Linear(hidden, 10)


# name -> (family, builder): capacity grows down the list.
ZOO = {
    "fmnist-linear32": ("linear (784 -> 32 -> 10, no nonlinearity)", linear32),
    "fmnist-mlp128": ("MLP (784 -> 256 -> 128 -> 10, ReLU)", mlp128),
    "fmnist-cnn-small": ("CNN (conv 8, conv 16, fc 64)", lambda: cnn(8, 16, 64)),
    "fmnist-cnn-wide": ("CNN (conv 32, conv 64, fc 128)", lambda: cnn(32, 64, 128)),
}


class Embedder(nn.Module):
    """[N, 3, 28, 28] (or [N, 1, 28, 28]) normalised images -> penultimate features."""

    def __init__(self, features):
        super().__init__()
        self.features = features

    def forward(self, image):
        return self.features(image.mean(dim=1, keepdim=True))


def load(source, split):
    images, labels, rows, cols = read_split(source, split)
    pixels = np.frombuffer(b"".join(images), dtype=np.uint8).reshape(-1, 1, rows, cols)
    x = torch.from_numpy(pixels.astype(np.float32) / np.float32(255))
    return x, torch.tensor(labels, dtype=torch.long)


def accuracy(embedder, classifier, x, y):
    with torch.no_grad():
        hits = sum((classifier(embedder(x[i:i + 1000])).argmax(1) == y[i:i + 1000]).sum().item() for i in range(0, len(x), 1000))
    return 100.0 * hits / len(x)


def train(name, builder, data, epochs, log):
    train_x, train_y, test_x, test_y = data
    torch.manual_seed(SEED)
    features, classifier = builder()
    embedder = Embedder(features)
    optimiser = torch.optim.Adam(list(features.parameters()) + list(classifier.parameters()), lr=1e-3)
    shuffle = torch.Generator().manual_seed(SEED)
    started = time.time()
    for epoch in range(1, epochs + 1):
        order = torch.randperm(len(train_x), generator=shuffle)
        total_loss, hits = 0.0, 0
        for i in range(0, len(order), 128):
            batch = order[i:i + 128]
            logits = classifier(embedder(train_x[batch]))
            loss = nn.functional.cross_entropy(logits, train_y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total_loss += loss.item() * len(batch)
            hits += (logits.argmax(1) == train_y[batch]).sum().item()
        test_acc = accuracy(embedder, classifier, test_x, test_y)
        log("%s epoch %d: train loss %.4f, train acc %.2f%%, test acc %.2f%% (%.1f s)"
            % (name, epoch, total_loss / len(order), 100.0 * hits / len(order), test_acc, time.time() - started))
    with torch.no_grad():
        zero_rows = sum(int((embedder(test_x[i:i + 1000]).abs().sum(1) == 0).sum()) for i in range(0, len(test_x), 1000))
    return embedder, classifier, test_acc, zero_rows, time.time() - started


def export(name, family, embedder, test_acc, out, log):
    path = os.path.join(out, name + ".onnx")
    embedder.eval()
    torch.onnx.export(embedder, torch.zeros(1, 3, 28, 28), path, input_names=["image"], output_names=["features"],
                      dynamic_axes={"image": {0: "batch"}, "features": {0: "batch"}}, opset_version=13)
    params = sum(p.numel() for p in embedder.parameters())
    manifest = {
        "name": name,
        "file": name + ".onnx",
        "preprocess": {"resize": 28, "crop": 28, "interpolation": "bilinear", "mean": [MEAN] * 3, "std": [STD] * 3},
        "output": "features",
        "metadata": {"family": "Fashion-MNIST %s; imagenetAcc1 = Fashion-MNIST test accuracy (t10k), not ImageNet" % family,
                     "imagenetAcc1": round(test_acc, 2), "accuracyMetric": "Fashion-MNIST test accuracy (t10k)",
                     "params": params},
    }
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    log("%s: exported %s (%d bytes, %d parameters, %d-d features)"
        % (name, path, os.path.getsize(path), params, embedder(torch.zeros(1, 3, 28, 28)).shape[1]))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", default="models/zoo")
    ap.add_argument("--epochs", type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    log_file = open(os.path.join(args.out, "TRAINING.log"), "w")

    def log(line):
        print(line, flush=True)
        log_file.write(line + "\n")

    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    log("train_zoo: torch %s, numpy %s, python %s, %d threads, seed %d, Adam lr 1e-3, batch 128, %d epochs"
        % (torch.__version__, np.__version__, platform.python_version(), torch.get_num_threads(), SEED, args.epochs))
    train_x, train_y = load(args.source, "train")
    test_x, test_y = load(args.source, "test")
    log("training split %d images, test split %d images; pixel mean %.4f std %.4f (normalising with %.4f, %.4f)"
        % (len(train_x), len(test_x), train_x.mean().item(), train_x.std().item(), MEAN, STD))
    data = ((train_x - MEAN) / STD, train_y, (test_x - MEAN) / STD, test_y)
    summary = []
    for name, (family, builder) in ZOO.items():
        embedder, classifier, test_acc, zero_rows, seconds = train(name, builder, data, args.epochs, log)
        log("%s: %d of %d test images have all-zero features" % (name, zero_rows, len(test_x)))
        export(name, family, embedder, test_acc, args.out, log)
        summary.append("%-18s test acc %.2f%%  %.1f s" % (name, test_acc, seconds))
    log("summary:\n  " + "\n  ".join(summary))
    log_file.close()


if __name__ == "__main__":
    main()

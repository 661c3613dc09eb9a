"""PyTorch eager baseline for bench/embedThroughput.ts and bench/gpu: torchvision's PIL pipeline + the same architecture (random init).

Reads the model manifest's recipe (resize, crop, interpolation, mean, std), decodes every JPEG of --images with PIL,
applies Resize, CenterCrop, ToTensor, Normalize, and runs the penultimate-feature network (the classifier replaced
by Identity, as tools/export_torchvision.py exports it) under torch.inference_mode with torch.set_num_threads.
Prints one JSON line: images/s end to end (decode + preprocess + inference) and, separately, inference alone on a
ready-made batch. Times exclude process start and model construction; one warm-up batch runs first.

  /usr/bin/python3 bench/torch_embed.py --manifest M.json --arch resnet50 --images DIR [--batch 32 --threads 2 --loader-workers 0]
  /usr/bin/python3 bench/torch_embed.py --manifest M.json --arch resnet50 --device cuda --dtype float16 --batch 64 --infer-only
"""
import argparse
import json
import os
import time

import torch
import torchvision
from PIL import Image
from torchvision import transforms

INTERPOLATION = {"bilinear": transforms.InterpolationMode.BILINEAR, "bicubic": transforms.InterpolationMode.BICUBIC, "nearest": transforms.InterpolationMode.NEAREST}


def feature_network(arch):
    """The architecture with its last classification layer replaced by Identity (the exported embedding)."""
    model = getattr(torchvision.models, arch)(weights=None)
    if hasattr(model, "fc"):
        model.fc = torch.nn.Identity()
    else:
        model.classifier[-1] = torch.nn.Identity()
    return model.eval()


class Photos(torch.utils.data.Dataset):
    def __init__(self, paths, transform):
        self.paths, self.transform = paths, transform

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        with Image.open(self.paths[i]) as image:
            return self.transform(image.convert("RGB"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--arch", required=True)
    parser.add_argument("--images")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--loader-workers", type=int, default=0, help="DataLoader worker processes (0: decode in the main process)")
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float16"])
    parser.add_argument("--infer-only", action="store_true", help="only inference on a ready-made batch")
    parser.add_argument("--infer-batches", type=int, default=4)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    with open(args.manifest) as f:
        recipe = json.load(f)["preprocess"]
    dtype = getattr(torch, args.dtype)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    model = feature_network(args.arch).to(device=args.device, dtype=dtype, memory_format=memory_format)
    sync = torch.cuda.synchronize if args.device.startswith("cuda") else (lambda: None)

    def infer(batch):
        return model(batch.to(device=args.device, dtype=dtype, memory_format=memory_format, non_blocking=True))

    result = {"arch": args.arch, "batch": args.batch, "threads": args.threads, "device": args.device, "dtype": args.dtype,
              "channels_last": args.channels_last, "torch": torch.__version__}
    with torch.inference_mode():
        ready = torch.randn(args.batch, 3, recipe["crop"], recipe["crop"])
        infer(ready)
        sync()
        start = time.perf_counter()
        for _ in range(args.infer_batches):
            infer(ready)
        sync()
        result["infer_images_per_s"] = args.infer_batches * args.batch / (time.perf_counter() - start)
        if not args.infer_only:
            transform = transforms.Compose([
                transforms.Resize(recipe["resize"], interpolation=INTERPOLATION[recipe["interpolation"]], antialias=True),
                transforms.CenterCrop(recipe["crop"]),
                transforms.ToTensor(),
                transforms.Normalize(recipe["mean"], recipe["std"]),
            ])
            paths = sorted(os.path.join(args.images, name) for name in os.listdir(args.images))
            loader = torch.utils.data.DataLoader(Photos(paths, transform), batch_size=args.batch, num_workers=args.loader_workers,
                                                 persistent_workers=args.loader_workers > 0)
            for batch in loader:  # warm-up pass over one batch (starts the loader's workers too)
                infer(batch)
                break
            sync()
            start = time.perf_counter()
            count = 0
            for batch in loader:
                infer(batch)
                count += len(batch)
            sync()
            result["images"] = count
            result["end_to_end_images_per_s"] = count / (time.perf_counter() - start)
    print(json.dumps(result))


if __name__ == "__main__":
    main()

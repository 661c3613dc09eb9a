"""Exports a torchvision architecture (random init, classifier replaced by Identity, as bench/torch_embed.py builds it) to a float16 ONNX file.

Traced on CUDA (CPU torch has no half convolutions): needs a CUDA build of torch. Used by bench/gpu.sh.

  python3 bench/export_fp16.py --arch resnet50 --crop 224 --out bench/.data/models/resnet50-fp16.onnx
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_embed import feature_network  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", required=True)
    parser.add_argument("--crop", type=int, default=224)
    parser.add_argument("--out", required=True)
    parser.add_argument("--opset", type=int, default=17)
    args = parser.parse_args()
    model = feature_network(args.arch).half().cuda()
    dummy = torch.randn(2, 3, args.crop, args.crop, device="cuda", dtype=torch.float16)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    torch.onnx.export(model, dummy, args.out, input_names=["input"], output_names=["embedding"],
                      dynamic_axes={"input": {0: "n"}, "embedding": {0: "n"}}, opset_version=args.opset)
    print(f"{args.arch} float16 -> {args.out}")


if __name__ == "__main__":
    main()

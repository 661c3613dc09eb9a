"""Exports a torchvision architecture (random init, classifier replaced by Identity, as bench/torch_embed.py builds it) to a float16 ONNX file.

Traced on CUDA (CPU torch has no half convolutions): needs a CUDA build of torch. Used by bench/gpu.sh (float16 input
and output) and bench/device/run.sh (--io float32: float32 input and output, cast to and from float16 inside the
graph, so the host feeds the platform's float32 tensors and the casts run on the device).

  python3 bench/export_fp16.py --arch resnet50 --crop 224 --out bench/.data/models/resnet50-fp16.onnx [--io float32]
"""
import argparse
import inspect
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_embed import feature_network  # noqa: E402


class HalfInside(torch.nn.Module):
    """float32 in and out, float16 inside: the casts become Cast nodes of the graph."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x.half()).float()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", required=True)
    parser.add_argument("--crop", type=int, default=224)
    parser.add_argument("--out", required=True)
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("--io", default="float16", choices=["float16", "float32"], help="the graph's input and output type")
    args = parser.parse_args()
    model = feature_network(args.arch).half().cuda()
    io_type = torch.float16 if args.io == "float16" else torch.float32
    if args.io == "float32":
        model = HalfInside(model)
    dummy = torch.randn(2, 3, args.crop, args.crop, device="cuda", dtype=io_type)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    exporter = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    torch.onnx.export(model, dummy, args.out, input_names=["input"], output_names=["embedding"],
                      dynamic_axes={"input": {0: "n"}, "embedding": {0: "n"}}, opset_version=args.opset, **exporter)
    print(f"{args.arch} float16 ({args.io} input and output) -> {args.out}")


if __name__ == "__main__":
    main()

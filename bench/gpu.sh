#!/usr/bin/env bash
# GPU benchmark for a machine with an NVIDIA card: prepares onnxruntime-node's WebGPU provider and a fp16 ResNet-50, runs bench/gpuEmbed.
#
# Usage: bash bench/gpu.sh [--batches 1,16,64,256] [--seconds 5]
# Needs: node_modules installed and the project built (npm ci && npm run build), and a Python with a CUDA build of
# torch + torchvision (PYTHON, default python3). onnxruntime-node's CUDA provider cannot be installed from npm (its
# installer downloads from NuGet), so the provider is the bundled WebGPU one, which runs on NVIDIA through Vulkan
# given the Vulkan loader and glvnd libraries and VK_DRIVER_FILES naming the NVIDIA ICD.
# Set CORREMBED_EXECUTION_PROVIDER=cuda instead where `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` worked.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
export CORREMBED_EXECUTION_PROVIDER=${CORREMBED_EXECUTION_PROVIDER:-webgpu}

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
"$PYTHON" -c 'import torch, torchvision; assert torch.cuda.is_available(), "no CUDA torch"; print("torch", torch.__version__, torch.cuda.get_device_name())' \
  || { echo "gpu.sh: $PYTHON has no CUDA build of torch + torchvision; set PYTHON" >&2; exit 1; }

if [ "$CORREMBED_EXECUTION_PROVIDER" = webgpu ]; then
  if ! ldconfig -p | grep -q 'libvulkan.so.1'; then
    apt-get install -y --no-install-recommends libvulkan1 libglvnd0 libegl1 libgl1 libglx0 libgles2 libopengl0 \
      || { echo "gpu.sh: the Vulkan loader (libvulkan1) and glvnd libraries are missing and apt-get could not install them" >&2; exit 1; }
  fi
  if [ -z "${VK_DRIVER_FILES:-}" ]; then
    VK_DRIVER_FILES=$(ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json 2>/dev/null | head -n 1 || true)
    [ -n "$VK_DRIVER_FILES" ] || { echo "gpu.sh: no NVIDIA Vulkan ICD json found; set VK_DRIVER_FILES" >&2; exit 1; }
  fi
  export VK_DRIVER_FILES
  echo "Vulkan ICD: $VK_DRIVER_FILES"
fi

[ -f dist/bench/gpuEmbed.js ] || npm run build
MODELS=bench/.data/models
[ -f "$MODELS/resnet50-imagenet1k_v2-untrained.onnx" ] || "$PYTHON" tools/export_torchvision.py --weights ResNet50_Weights.IMAGENET1K_V2 --no-weights --out "$MODELS"
[ -f "$MODELS/resnet50-fp16.onnx" ] || "$PYTHON" bench/export_fp16.py --arch resnet50 --out "$MODELS/resnet50-fp16.onnx"
node dist/bench/gpuEmbed.js --python "$PYTHON" "$@"

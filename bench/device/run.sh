#!/usr/bin/env bash
# On the GPU machine: onnxruntime-node's WebGPU provider (run() alone and the embed path) against PyTorch eager, same card.
#
# Usage, on the GPU machine with .device-kit/, dist/ and native/pil-imaging/build from bench/device/pack.sh: bash bench/device/run.sh
# Unpacks the kit (Debian packages into /; node and onnxruntime-node under /tmp and
# node_modules/), exports ResNet-50 and MobileNetV3-Large with the machine's torch (random init: fp32, and fp16 with
# float32 input and output), makes photo-like JPEGs with PIL, then for each model runs bench/deviceEmbed (batches 64
# and 256) and PyTorch eager on CUDA (channels-last, inference alone and the PIL DataLoader pipeline). Results and
# logs go to $OUT (run.log, results.txt). DEVICE_DRY_RUN=1 runs the same steps on a CPU machine (cpu provider, torch
# on the CPU, no fp16, nothing unpacked into /) to check the script; BATCHES, PHOTOS, INFER_BATCHES and
# SECONDS_PER_FIGURE shrink it (DEVICE_DRY_RUN=1 BATCHES=4,8 PHOTOS=16 INFER_BATCHES=2 SECONDS_PER_FIGURE=1).
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-/tmp/corrembed-device-out}
work=/tmp/corrembed-device
kit=.device-kit
mkdir -p "$out" "$work"
dry=${DEVICE_DRY_RUN:-0}
seconds=${SECONDS_PER_FIGURE:-6}
# Smaller everything for the dry run (a CPU runs ResNet-50 at a few images/s).
batches=${BATCHES:-64,256}; photos=${PHOTOS:-256}; infer_batches=${INFER_BATCHES:-20}
log() { echo "== $(date -u +%T) $*" | tee -a "$out/run.log"; }
step() { log "$*"; "$@" >>"$out/run.log" 2>&1 || log "FAILED ($?): $*"; }

if [ "$dry" = 1 ]; then
  provider=cpu; device=cpu; node=$(command -v node)
else
  provider=${PROVIDER:-webgpu}; device=cuda; node=$work/node
  for f in "$kit"/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
  export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
  export __EGL_VENDOR_LIBRARY_FILENAMES=${__EGL_VENDOR_LIBRARY_FILENAMES:-/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json}
  xz -dc "$kit/node.xz" >"$node" && chmod +x "$node"
  mkdir -p node_modules && tar -C node_modules -xJf "$kit/ort.tar.xz"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee -a "$out/run.log"
fi
log "node $("$node" --version), python $(python3 -c 'import torch, torchvision; print(torch.__version__, torchvision.__version__, torch.cuda.is_available())')"

models=$work/models
step python3 tools/export_torchvision.py --weights ResNet50_Weights.IMAGENET1K_V2 MobileNet_V3_Large_Weights.IMAGENET1K_V2 --no-weights --out "$models"
if [ "$dry" != 1 ]; then
  step python3 bench/export_fp16.py --arch resnet50 --io float32 --out "$models/resnet50-fp16.onnx"
  step python3 bench/export_fp16.py --arch mobilenet_v3_large --io float32 --out "$models/mobilenet_v3_large-fp16.onnx"
fi
[ -d "$work/photos" ] || step python3 bench/device/make_photos.py --count "$photos" --out "$work/photos"

for arch in resnet50 mobilenet_v3_large; do
  manifest=$(ls "$models/$arch"-*-untrained.json 2>/dev/null | head -n 1)
  [ -n "$manifest" ] || { log "no manifest for $arch"; continue; }
  for onnx in "${manifest%.json}.onnx" "$models/$arch-fp16.onnx"; do
    [ -f "$onnx" ] || continue
    log "onnxruntime-node $provider: $onnx"
    UV_THREADPOOL_SIZE=$(nproc) "$node" dist/bench/deviceEmbed.js --model "$onnx" --manifest "$manifest" --images "$work/photos" \
      --provider "$provider" --batches "$batches" --seconds "$seconds" 2>>"$out/run.log" | tee -a "$out/results.txt"
  done
  for dtype in float32 float16; do
    [ "$dry" = 1 ] && [ "$dtype" = float16 ] && continue
    log "PyTorch eager $device $dtype: $arch"
    for batch in ${batches//,/ }; do
      python3 bench/torch_embed.py --manifest "$manifest" --arch "$arch" --device "$device" --dtype "$dtype" --batch "$batch" \
        --channels-last --infer-only --infer-batches "$infer_batches" 2>>"$out/run.log" | tee -a "$out/results.txt"
    done
    python3 bench/torch_embed.py --manifest "$manifest" --arch "$arch" --images "$work/photos" --device "$device" --dtype "$dtype" \
      --batch "${batches%%,*}" --channels-last --loader-workers "$(( $(nproc) / 2 ))" --threads "$(nproc)" 2>>"$out/run.log" | tee -a "$out/results.txt"
  done
done
log "done"

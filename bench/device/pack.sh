#!/usr/bin/env bash
# Packs what bench/device/run.sh needs on a GPU machine without Node.js or internet into .device-kit/ (git-ignored).
#
# Usage (on a build machine, after npm ci): bash bench/device/pack.sh
# Then copy .device-kit/, dist/ and native/pil-imaging/build to the GPU machine and run bash bench/device/run.sh there.
# The kit: this node binary (xz), onnxruntime-node's package with only its Linux x64 binaries plus onnxruntime-common,
# and the Debian packages of the Vulkan loader and glvnd (WebGPU on NVIDIA) and of libjpeg62-turbo (the addon's JPEG
# decoder). dist/ and the addon are built on the build machine, where the toolchain is.
set -euo pipefail
cd "$(dirname "$0")/../.."
kit=.device-kit
mkdir -p .git/info
grep -qx "/$kit/" .git/info/exclude 2>/dev/null || echo "/$kit/" >> .git/info/exclude
rm -rf "$kit" && mkdir -p "$kit/debs"
xz -T0 -c "$(command -v node)" > "$kit/node.xz"
tar -C node_modules -cJf "$kit/ort.tar.xz" onnxruntime-node/package.json onnxruntime-node/dist onnxruntime-node/lib \
  onnxruntime-node/bin/napi-v6/linux/x64 onnxruntime-common
lists=$(mktemp -d)
apt=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists="$lists")
apt-get "${apt[@]}" update >/dev/null 2>&1 || apt=(-oAPT::Architecture=amd64)
(cd "$kit/debs" && apt-get "${apt[@]}" download libvulkan1 libglvnd0 libegl1 libgl1 libglx0 libgles2 libopengl0 libjpeg62-turbo)
[ -f native/pil-imaging/build/Release/pil_imaging.node ] || npm run install
npm run build >/dev/null
du -sh "$kit" dist native/pil-imaging/build
echo "copy .device-kit/, dist/ and native/pil-imaging/build to the GPU machine, then run: bash bench/device/run.sh"

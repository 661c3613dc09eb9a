# CorrEmbed image: the three Lambda handlers (embed by default), the GraphQL service and the GPU function host.
#
# ORT_INSTALL selects what onnxruntime-node's install script fetches (it reads ONNXRUNTIME_NODE_INSTALL):
#   skip   (default) the CPU execution provider only; its binaries ship inside the npm package.
#   cuda12 also the CUDA 12 execution provider (libonnxruntime_providers_cuda.so and friends), which is too large
#          for npm: the installer downloads it from NuGet (Microsoft.ML.OnnxRuntime.Gpu.Linux) during `npm rebuild`,
#          and the runtime stage then adds the CUDA 12 and cuDNN 9 user-space libraries it links against. The NVIDIA
#          driver itself comes from the host (the ECS GPU-optimised AMI) through the NVIDIA container runtime.
#   docker build --build-arg ORT_INSTALL=cuda12 -t corrembed:gpu .
ARG BASE_IMAGE=public.ecr.aws/lambda/nodejs:20

FROM ${BASE_IMAGE} AS build
ARG ORT_INSTALL=skip
WORKDIR /build
COPY package.json package-lock.json ./
# Scripts wait for the sources: the root `prepare` script is a full build. Dependency installs stay a cached layer.
RUN npm ci --ignore-scripts && ONNXRUNTIME_NODE_INSTALL=${ORT_INSTALL} npm rebuild
COPY tsconfig.json prisma.config.ts codegen.yml ./
COPY prisma ./prisma
COPY schema ./schema
COPY src ./src
COPY functions ./functions
COPY web ./web
# `npm run build` is `prisma generate` + GraphQL Code Generator + tsc into dist/.
RUN npm run build && npm prune --omit=dev
# The optional native preprocessing addon (native/pil-imaging: PIL-exact JPEG decoding and resampling in C, about a
# third of the JavaScript path's CPU per image, the same tensors). Without the packages it is skipped and the image
# keeps the JavaScript path. native/blas-gemm needs OpenBLAS, which this image does not install: it is skipped.
COPY native ./native
RUN (microdnf install -y gcc make python3 pkgconf-pkg-config libjpeg-turbo-devel && microdnf clean all) \
      || echo "native addons: build packages unavailable, skipped"; \
    npm run install

FROM ${BASE_IMAGE}
ARG ORT_INSTALL=skip
ARG CUDA_REPO=https://developer.download.nvidia.com/compute/cuda/repos/amzn2023/x86_64/cuda-amzn2023.repo
# CUDA 12 runtime, cuBLAS, cuFFT, cuRAND and cuDNN 9 from NVIDIA's Amazon Linux 2023 repository (the base image is AL2023;
# node's fetch stands in for curl, which the minimal image may lack). A no-op for the CPU image.
RUN if [ "${ORT_INSTALL}" = "cuda12" ]; then \
      node -e "fetch(process.argv[1]).then((r) => { if (!r.ok) throw new Error(r.statusText); return r.text(); }).then((t) => require('fs').writeFileSync('/etc/yum.repos.d/cuda.repo', t))" "${CUDA_REPO}" && \
      microdnf install -y cuda-cudart-12-8 libcublas-12-8 libcufft-12-8 libcurand-12-8 libcudnn9-cuda-12 && \
      microdnf clean all; \
    fi
ENV LD_LIBRARY_PATH=/usr/local/cuda-12.8/lib64:${LD_LIBRARY_PATH}
# Two malloc arenas instead of glibc's 8 per core: each arena keeps what its threads freed (embed workers, the decoding
# pool, onnxruntime), which took a six-model run's peak RSS from 1,636 to 1,132 MiB (docs/performance.md).
ENV MALLOC_ARENA_MAX=2
WORKDIR ${LAMBDA_TASK_ROOT}
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
# libjpeg for the addon at run time; without it the addon does not load and preprocessing stays in JavaScript.
COPY --from=build /build/native ./native
RUN (microdnf install -y libjpeg-turbo && microdnf clean all) || echo "libjpeg-turbo unavailable: JavaScript preprocessing"
COPY --from=build /build/prisma ./prisma
COPY --from=build /build/schema ./schema
COPY --from=build /build/package.json ./
CMD ["dist/functions/embed.handler"]

// GEMM throughput: the project's single-threaded SGEMM kernels (what each scoring worker runs: onnxruntime-node's MLAS and,
// when built, the native OpenBLAS addon) against NumPy/OpenBLAS's, two copies of each running at once as in the
// scoring benchmark; three interleaved rounds, medians. Usage: npm run build && node dist/bench/gemm.js
import { configureProcess } from '../src/config/applyConfig.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { blasKernel } from '../src/linalg/blasSimilarityKernel.js';
import { loadBlasGemm } from '../src/linalg/nativeAddon.js';
import { createGemmSession, kernelOnSession } from '../src/linalg/ortSimilarityKernel.js';
import type { SimilarityKernel } from '../src/linalg/similarityKernel.js';

const QUERIES = 1008;
const TARGETS = 8000;
const DIM = 2048;
const SECONDS = 4;
const ROUNDS = 3;
const FLOP = 2 * QUERIES * TARGETS * DIM;

const NUMPY = `
import numpy as np, time
a = np.random.rand(${QUERIES}, ${DIM}).astype(np.float32); b = np.random.rand(${TARGETS}, ${DIM}).astype(np.float32)
a @ b.T; t = time.time(); n = 0
while time.time() - t < ${SECONDS}: a @ b.T; n += 1
print(${FLOP} * n / (time.time() - t) / 1e9)
`;

configureProcess(); // the CORREMBED_* settings, as the commands apply them

type Kind = 'ort' | 'blas' | 'numpy';

/** One measurement process: this script with --ort or --blas, or python3 with single-threaded OpenBLAS. */
function run(kind: Kind): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const child =
    kind === 'numpy' ? spawn('python3', ['-c', NUMPY], { env }) : spawn(process.execPath, [fileURLToPath(import.meta.url), `--${kind}`]);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`${kind} exited ${code}`)))),
  );
}

async function openKernel(kind: Kind, targets: Float32Array): Promise<SimilarityKernel> {
  const gemm = loadBlasGemm().gemm;
  if (kind === 'blas' && gemm) return blasKernel(gemm, targets, TARGETS, DIM, 1);
  return kernelOnSession(await createGemmSession(DIM, false, 1), targets, TARGETS, DIM);
}

async function measure(kind: Kind): Promise<void> {
  const targets = Float32Array.from({ length: TARGETS * DIM }, () => Math.random());
  const queries = Float32Array.from({ length: QUERIES * DIM }, () => Math.random());
  const kernel = await openKernel(kind, targets);
  await kernel.multiply(queries, QUERIES);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < SECONDS * 1000) {
    await kernel.multiply(queries, QUERIES);
    n++;
  }
  console.log((FLOP * n) / ((performance.now() - start) / 1000) / 1e9);
  await kernel.close();
}

const child = (['ort', 'blas'] as const).find((kind) => process.argv.includes(`--${kind}`));
if (child) await measure(child);
else {
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
  const { gemm, error } = loadBlasGemm();
  const kinds: Kind[] = gemm ? ['ort', 'blas', 'numpy'] : ['ort', 'numpy'];
  const rounds = new Map<Kind, number[]>(kinds.map((kind) => [kind, []]));
  // Interleaved, so load from other work on the machine hits every kernel alike.
  for (let r = 0; r < ROUNDS; r++) {
    for (const kind of kinds) rounds.get(kind)!.push(mean(await Promise.all([run(kind), run(kind)])));
  }
  const [ort, blas, numpy] = (['ort', 'blas', 'numpy'] as const).map((kind) => median(rounds.get(kind) ?? [NaN]));
  console.log(`single-threaded SGEMM, ${QUERIES} x ${DIM} by ${TARGETS} x ${DIM}^T, two processes at once, median of ${ROUNDS} rounds:`);
  console.log(`  onnxruntime-node (MLAS)  ${ort.toFixed(0)} GFLOP/s per thread`);
  console.log(
    gemm
      ? `  native OpenBLAS addon    ${blas.toFixed(0)} GFLOP/s per thread  (${gemm.describe()})`
      : `  native OpenBLAS addon    not loaded (${error})`,
  );
  console.log(`  NumPy (OpenBLAS)         ${numpy.toFixed(0)} GFLOP/s per thread`);
  console.log(`  ratio ORT / NumPy        ${(ort / numpy).toFixed(3)}`);
  if (gemm) console.log(`  ratio native / NumPy     ${(blas / numpy).toFixed(3)}`);
  console.log('reproduce: npm run build && node dist/bench/gemm.js');
}

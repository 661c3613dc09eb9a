// GEMM throughput: onnxruntime-node's single-threaded SGEMM (what each scoring worker runs) against NumPy/OpenBLAS's,
// two copies of each running at once as in the scoring benchmark. Usage: npm run build && node dist/bench/gemm.js
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createGemmSession, kernelOnSession } from '../src/linalg/ortSimilarityKernel.js';

const QUERIES = 512;
const TARGETS = 8000;
const DIM = 2048;
const SECONDS = 4;
const FLOP = 2 * QUERIES * TARGETS * DIM;

const NUMPY = `
import numpy as np, time
a = np.random.rand(${QUERIES}, ${DIM}).astype(np.float32); b = np.random.rand(${TARGETS}, ${DIM}).astype(np.float32)
a @ b.T; t = time.time(); n = 0
while time.time() - t < ${SECONDS}: a @ b.T; n += 1
print(${FLOP} * n / (time.time() - t) / 1e9)
`;

/** One measurement process: this script with --ort, or python3 with single-threaded OpenBLAS. */
function run(kind: 'ort' | 'numpy'): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const child = kind === 'ort' ? spawn(process.execPath, [fileURLToPath(import.meta.url), '--ort']) : spawn('python3', ['-c', NUMPY], { env });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`${kind} exited ${code}`)))));
}

async function measureOrt(): Promise<void> {
  const targets = Float32Array.from({ length: TARGETS * DIM }, () => Math.random());
  const queries = Float32Array.from({ length: QUERIES * DIM }, () => Math.random());
  const kernel = kernelOnSession(await createGemmSession(DIM, false, 1), targets, TARGETS, DIM);
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

if (process.argv.includes('--ort')) await measureOrt();
else {
  const ort = await Promise.all([run('ort'), run('ort')]);
  const numpy = await Promise.all([run('numpy'), run('numpy')]);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  console.log(`single-threaded SGEMM, ${QUERIES} x ${DIM} by ${TARGETS} x ${DIM}^T, two processes at once:`);
  console.log(`  onnxruntime-node (MLAS)  ${mean(ort).toFixed(0)} GFLOP/s per thread`);
  console.log(`  NumPy (OpenBLAS)         ${mean(numpy).toFixed(0)} GFLOP/s per thread`);
  console.log(`  ratio ORT / OpenBLAS     ${(mean(ort) / mean(numpy)).toFixed(3)}`);
  console.log('reproduce: npm run build && node dist/bench/gemm.js');
}

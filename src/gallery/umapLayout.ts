// A seeded 2-D UMAP layout (umap-js) of an embedding sample on its leading principal components, fitted in a worker thread.
import { Worker } from 'node:worker_threads';
import { UMAP } from 'umap-js';
import { createRng } from '../metric/random.js';
import { principalComponents } from './pca.js';

/** Most points one UMAP layout holds: its neighbour search and epochs grow with the points (seconds at this size). */
export const MAX_UMAP_POINTS = 5_000;
/** The principal components UMAP is fitted on: they keep the neighbourhoods and make the neighbour search cheaper. */
const COMPONENTS = 32;
const NEIGHBOURS = 15;
const SEED = 0;

/** What the worker is given: the sample, row-major rows x dim. */
export interface UmapJob {
  sample: Float32Array;
  rows: number;
  dim: number;
}

/** Row-major rows x 2 coordinates of the sample's rows (the worker's work; seconds for thousands of rows). */
export function fitUmap({ sample, rows, dim }: UmapJob): Float64Array {
  const out = new Float64Array(rows * 2);
  if (rows < 3) return out; // too few points to have neighbours: every point at the origin
  const pca = principalComponents(sample, rows, dim, { axes: Math.min(COMPONENTS, dim), seed: SEED });
  const data = Array.from({ length: rows }, (_, i) => Array.from(pca.coordinates.subarray(i * pca.axes, (i + 1) * pca.axes)));
  const rng = createRng(SEED);
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(NEIGHBOURS, rows - 1), random: () => rng.next() });
  umap.fit(data).forEach(([x, y], i) => {
    out[2 * i] = x;
    out[2 * i + 1] = y;
  });
  return out;
}

/** The layout, fitted in a worker thread so that the server's event loop goes on answering meanwhile. */
export function umapLayout(sample: Float32Array, rows: number, dim: number): Promise<Float64Array> {
  return new Promise((resolve, reject) => {
    const job: UmapJob = { sample, rows, dim };
    const worker = new Worker(new URL('./umapWorker.js', import.meta.url), { workerData: job });
    worker.once('message', (layout: Float64Array) => resolve(layout));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the UMAP worker exited (code ${code}) without a layout`)));
  });
}

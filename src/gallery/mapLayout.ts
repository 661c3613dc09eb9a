// The 2-D coordinates of an embedding sample, by PCA or by UMAP (umap-js) on its leading principal components, large ones in a worker thread.
import { Worker } from 'node:worker_threads';
import { UMAP } from 'umap-js';
import { createRng } from '../metric/random.js';
import { principalComponents } from './pca.js';

export const PROJECTION_METHODS = ['pca', 'umap'] as const;
export type ProjectionMethod = (typeof PROJECTION_METHODS)[number];

/** Most points one UMAP layout holds: its neighbour search and epochs grow with the points (seconds at this size). */
export const MAX_UMAP_POINTS = 5_000;
/** The principal components UMAP is fitted on: they keep the neighbourhoods and make the neighbour search cheaper. */
const UMAP_COMPONENTS = 32;
const UMAP_NEIGHBOURS = 15;
const SEED = 0;
/** Values (rows x dim) up to which a PCA runs on the calling thread (about 0.1 s); larger samples go to a worker. */
const INLINE_VALUES = 2_000_000;

/** A sample to place: row-major rows x dim. */
export interface LayoutJob {
  method: ProjectionMethod;
  sample: Float32Array;
  rows: number;
  dim: number;
}

export interface Layout {
  /** Row-major rows x 2. */
  coordinates: Float64Array;
  /** PCA: each axis's share of the variance; UMAP: empty (its axes explain no variance). */
  explainedVariance: number[];
}

function pcaLayout({ sample, rows, dim }: LayoutJob): Layout {
  const pca = principalComponents(sample, rows, dim, { axes: 2, seed: SEED });
  const coordinates = new Float64Array(rows * 2);
  for (let i = 0; i < rows; i++)
    for (let axis = 0; axis < pca.axes; axis++) coordinates[2 * i + axis] = pca.coordinates[i * pca.axes + axis];
  return { coordinates, explainedVariance: pca.explainedVariance };
}

function umapLayout({ sample, rows, dim }: LayoutJob): Layout {
  const coordinates = new Float64Array(rows * 2);
  if (rows < 3) return { coordinates, explainedVariance: [] }; // too few points to have neighbours: all at the origin
  const pca = principalComponents(sample, rows, dim, { axes: Math.min(UMAP_COMPONENTS, dim), seed: SEED });
  const data = Array.from({ length: rows }, (_, i) => Array.from(pca.coordinates.subarray(i * pca.axes, (i + 1) * pca.axes)));
  const rng = createRng(SEED);
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(UMAP_NEIGHBOURS, rows - 1), random: () => rng.next() });
  umap.fit(data).forEach(([x, y], i) => {
    coordinates[2 * i] = x;
    coordinates[2 * i + 1] = y;
  });
  return { coordinates, explainedVariance: [] };
}

/** The layout on the calling thread (the worker's work). */
export function fitLayout(job: LayoutJob): Layout {
  return job.method === 'umap' ? umapLayout(job) : pcaLayout(job);
}

/**
 * The layout; a UMAP or a large PCA in a worker thread, so that the server goes on answering meanwhile (a PCA of
 * 50,000 x 2,048 takes seconds). The sample's buffer moves to the worker: the caller must not use it afterwards.
 */
export function layout(job: LayoutJob): Promise<Layout> {
  if (job.method === 'pca' && job.rows * job.dim <= INLINE_VALUES) return Promise.resolve(fitLayout(job));
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./layoutWorker.js', import.meta.url), {
      workerData: job,
      transferList: [job.sample.buffer as ArrayBuffer],
    });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the map layout worker exited (code ${code}) without a layout`)));
  });
}

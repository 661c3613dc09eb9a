// Parity with torchvision's own pipeline: our tensors and `corrembed embed` vectors against goldens from make_parity_goldens.py.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { embedImages } from '../src/embedding/embedImages.js';
import { preprocessImage, type PreprocessRecipe } from '../src/imaging/preprocess.js';
import { EmbeddingModel } from '../src/inference/embeddingModel.js';
import { loadModelManifest } from '../src/inference/modelManifest.js';
import { parseNpyMatrix } from '../src/io/npy.js';
import type { EmbeddingMatrix } from '../src/metric/embeddings.js';

const CLI = join(process.cwd(), 'dist/src/cli/corrembed.js');
const DIR = join(process.cwd(), 'test/fixtures/parity');
const INDEX = JSON.parse(readFileSync(join(DIR, 'index.json'), 'utf8')) as { images: string[]; recipes: Record<string, PreprocessRecipe> };
/** The targets: mean absolute difference in normalised units, and embedding cosine. */
const MAX_MAD = 0.01;
const MIN_COSINE = 0.999;

function npy(name: string): EmbeddingMatrix {
  return parseNpyMatrix(readFileSync(join(DIR, name)), name);
}

function row(m: EmbeddingMatrix, i: number): Float32Array {
  return m.data.subarray(i * m.dim, (i + 1) * m.dim) as Float32Array;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

function differences(a: Float32Array, b: Float32Array): { mad: number; max: number } {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    max = Math.max(max, d);
  }
  return { mad: sum / a.length, max };
}

async function withModel<T>(recipe: string, work: (model: EmbeddingModel) => Promise<T>): Promise<T> {
  const model = await EmbeddingModel.load(await loadModelManifest(join(DIR, `model_${recipe}.json`)));
  try {
    return await work(model);
  } finally {
    await model.release();
  }
}

for (const name of Object.keys(INDEX.recipes)) {
  test(`parity ${name}: tensors and embeddings match torchvision on every golden image`, async () => {
    const tensors = npy(`tensors_${name}.npy`);
    const torchVectors = npy(`embeddings_${name}.npy`);
    assert.equal(tensors.rows, INDEX.images.length);
    await withModel(name, async (model) => {
      assert.deepEqual(model.recipe, INDEX.recipes[name]);
      const sources = INDEX.images.map((image) => ({ id: image, uri: join(DIR, image) }));
      const { vectors, failed } = await embedImages(model, sources, '/');
      assert.deepEqual(failed, []);
      let worstMad = 0;
      let worstCosine = 1;
      for (const [i, image] of INDEX.images.entries()) {
        const ours = await preprocessImage(await readFile(join(DIR, image)), model.recipe, model.layout);
        const { mad, max } = differences(ours, row(tensors, i));
        const cos = cosine(vectors.get(image)!, row(torchVectors, i));
        console.log(
          `parity ${name.padEnd(8)} ${image.padEnd(18)} MAD ${mad.toExponential(2)}  max ${max.toExponential(2)}  1 - cosine ${(1 - cos).toExponential(2)}`,
        );
        assert.ok(mad <= MAX_MAD, `${image}: MAD ${mad}`);
        assert.ok(cos >= MIN_COSINE, `${image}: cosine ${cos}`);
        worstMad = Math.max(worstMad, mad);
        worstCosine = Math.min(worstCosine, cos);
      }
      console.log(`parity ${name}: worst MAD ${worstMad.toExponential(2)}, worst 1 - cosine ${(1 - worstCosine).toExponential(2)}`);
    });
  });
}

test('parity: `corrembed embed --json` on the golden images gives vectors matching torch and the library', async () => {
  const name = 'bicubic';
  const images = INDEX.images.map((image) => join(DIR, image));
  const { stdout } = await promisify(execFile)(process.execPath, [
    CLI,
    'embed',
    '--manifest',
    join(DIR, `model_${name}.json`),
    '--json',
    ...images,
  ]);
  const out = JSON.parse(stdout) as { dim: number; embeddings: { image: string; vector: number[] }[] };
  const torchVectors = npy(`embeddings_${name}.npy`);
  assert.equal(out.dim, torchVectors.dim);
  const library = await withModel(name, (model) =>
    embedImages(
      model,
      images.map((uri, i) => ({ id: String(i), uri })),
      '/',
    ),
  );
  out.embeddings.forEach((e, i) => {
    assert.equal(e.image, images[i]);
    assert.deepEqual(Float32Array.from(e.vector), library.vectors.get(String(i)));
    assert.ok(cosine(e.vector, row(torchVectors, i)) >= MIN_COSINE, `${INDEX.images[i]}: cosine ${cosine(e.vector, row(torchVectors, i))}`);
  });
});

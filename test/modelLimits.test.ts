// What a model file may make the server do: external data confined to the model's folder, and the caps on output width, memory at load and per run.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import type { ModelCaps } from '../src/inference/modelCaps.js';
import { UserInputError } from '../src/errors.js';
import type { PreprocessRecipe } from '../src/imaging/preprocess.js';
import { EmbeddingModel } from '../src/inference/embeddingModel.js';
import { getModel, releaseModels } from '../src/inference/modelCache.js';
import { buildOnnxModel, ONNX_FLOAT, type Dim, type GraphNode, type Initializer } from '../src/linalg/onnxGraph.js';
import { createRng } from '../src/metric/random.js';
import { TINY_RECIPE } from './support/tinyModels.js';

const root = mkdtempSync(join(tmpdir(), 'corrembed-model-limits-'));
const DEFAULT_CAPS = loadConfig({}).inputSafety.modelCaps;
const MIB = 1024 ** 2;
after(() => rmSync(root, { recursive: true, force: true }));

function seeded(count: number, seed = 3): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: count }, () => rng.next() * 2 - 1);
}

/** Writes a model into its own folder: image -> GlobalAveragePool -> Flatten [n, 3] -> `then` -> `output` [n, ...outputShape]. */
function writeModel(
  name: string,
  then: GraphNode[],
  initializers: Initializer[],
  outputShape: Dim[],
  crop = TINY_RECIPE.crop,
  output = 'embedding',
): string {
  const folder = join(root, name);
  mkdirSync(folder, { recursive: true });
  const f = (value: string, shape: Dim[]) => ({ name: value, elemType: ONNX_FLOAT, shape });
  const nodes: GraphNode[] = [
    { opType: 'GlobalAveragePool', inputs: ['image'], outputs: ['pooled'] },
    { opType: 'Flatten', inputs: ['pooled'], outputs: ['flat'], attributes: [{ name: 'axis', int: 1 }] },
    ...then,
  ];
  const path = join(folder, `${name}.onnx`);
  writeFileSync(
    path,
    buildOnnxModel({
      name,
      inputs: [f('image', ['batch', 3, crop, crop])],
      outputs: [f(output, ['batch', ...outputShape])],
      nodes,
      initializers,
    }),
  );
  return path;
}

/** [n, 3] x W[3, 4]: W inline, or in a file `location` relative to the model (written beside it when `beside`). */
function projectionModel(name: string, location?: string, beside = true): string {
  const weights = seeded(12);
  const path = writeModel(
    name,
    [{ opType: 'MatMul', inputs: ['flat', 'w'], outputs: ['embedding'] }],
    [{ name: 'w', dims: [3, 4], floats: weights, externalLocation: location }],
    [4],
  );
  if (location !== undefined && beside) writeFileSync(join(root, name, location), weights);
  return path;
}

async function load(file: string, caps: Partial<ModelCaps> = {}, preprocess: PreprocessRecipe = TINY_RECIPE): Promise<EmbeddingModel> {
  return EmbeddingModel.load({ name: 'm', file, preprocess }, { threads: 1, caps: { ...DEFAULT_CAPS, ...caps } });
}

async function refused(
  file: string,
  pattern: RegExp,
  caps: Partial<ModelCaps> = {},
  code = 'BAD_USER_INPUT',
  preprocess?: PreprocessRecipe,
): Promise<void> {
  await assert.rejects(load(file, caps, preprocess), (error: unknown) => {
    assert.ok(error instanceof UserInputError, String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return true;
  });
}

function someImages(count: number, crop: number): Float32Array {
  return seeded(count * 3 * crop * crop, 11);
}

test('external data: weights in a file beside the model load, and embed as the same weights inline do', async () => {
  const inline = await load(projectionModel('inline'));
  const external = await load(projectionModel('external', 'weights.bin'));
  try {
    const batch = someImages(3, TINY_RECIPE.crop);
    assert.deepEqual(await external.embed(batch, 3), await inline.embed(batch, 3));
  } finally {
    await inline.release();
    await external.release();
  }
});

test('new weights beside an unchanged .onnx are a new model: a new content hash for the embedding cache, a new session in the process', async () => {
  const path = projectionModel('reweighted', 'weights.bin');
  const manifest = { name: 'reweighted', file: path, preprocess: TINY_RECIPE };
  const batch = someImages(2, TINY_RECIPE.crop);
  try {
    const before = await getModel(manifest, { threads: 1 });
    const vectorsBefore = await before.embed(batch, 2);
    assert.equal((await getModel(manifest, { threads: 1 })).onnxHash, before.onnxHash, 'unchanged files: the same model');
    writeFileSync(join(root, 'reweighted', 'weights.bin'), seeded(12, 99));
    const after = await getModel(manifest, { threads: 1 });
    assert.notEqual(after.onnxHash, before.onnxHash);
    assert.notDeepEqual(await after.embed(batch, 2), vectorsBefore);
    const plain = projectionModel('plain');
    const inline = await load(plain);
    assert.equal(
      inline.onnxHash,
      createHash('sha256').update(readFileSync(plain)).digest('hex'),
      "no external data: the .onnx file's sha256, as before",
    );
    await inline.release();
  } finally {
    await releaseModels();
  }
});

test('external data may not leave the model folder: not the working folder, not "..", not absolute, not through a symlink', async () => {
  // The attack that worked: "package.json" was read from the server's working folder (which has one).
  await refused(projectionModel('cwd', 'package.json', false), /cannot read external data "package\.json" \(ENOENT\)/, {}, 'NOT_FOUND');
  await refused(
    projectionModel('up', '../../package.json', false),
    /external data "\.\.\/\.\.\/package\.json" must be a file beside the model/,
  );
  await refused(projectionModel('absolute', join(process.cwd(), 'package.json'), false), /must be a file beside the model/);
  const linked = projectionModel('linked', 'weights.bin', false);
  symlinkSync(join(process.cwd(), 'package.json'), join(root, 'linked', 'weights.bin'));
  await refused(linked, /external data "weights\.bin" leads outside the model's folder/);
});

test('output width: a declared or measured output wider than the cap is refused, naming CORREMBED_MAX_EMBEDDING_DIM', async () => {
  const tile = (shape: Dim[]) =>
    writeModel(
      `wide-${shape.join('x')}`,
      [{ opType: 'Tile', inputs: ['flat', 'repeats'], outputs: ['embedding'] }],
      [{ name: 'repeats', dims: [2], floats: BigInt64Array.from([1n, 2_000_000n]) }],
      shape,
    );
  await refused(tile([6_000_000]), /output has 6000000 floats per image, over the cap of 16384 \(CORREMBED_MAX_EMBEDDING_DIM\)/);
  // Declared dynamic: the test run measures it.
  await refused(tile(['wide']), /output has 6000000 floats per image, over the cap of 16384 \(CORREMBED_MAX_EMBEDDING_DIM\)/);
  const narrow = await load(tile([6_000_000]), { maxEmbeddingDim: 6_000_000 });
  assert.equal(narrow.dim, 6_000_000);
  await narrow.release();
});

test('memory at load: a session that takes more than the cap is refused, naming CORREMBED_MAX_MODEL_LOAD_BYTES', async () => {
  // 96 MiB of weights, six times the cap (a garbage collection during the load can hand memory back and shrink the
  // measured growth): [n, 3] x W[3, 8M] summed to one number per image.
  const columns = 8 * 1024 ** 2;
  const heavy = writeModel(
    'heavy',
    [
      { opType: 'MatMul', inputs: ['flat', 'w'], outputs: ['wide'] },
      { opType: 'ReduceSum', inputs: ['wide', 'axes'], outputs: ['embedding'], attributes: [{ name: 'keepdims', int: 1 }] },
    ],
    [
      { name: 'w', dims: [3, columns], floats: seeded(3 * columns) },
      { name: 'axes', dims: [1], floats: BigInt64Array.from([1n]) },
    ],
    [1],
  );
  await refused(heavy, /loading it took \d+ MiB, over the cap of 16 MiB \(CORREMBED_MAX_MODEL_LOAD_BYTES\)/, { maxLoadBytes: 16 * MIB });
  (await load(heavy)).release();
});

test('memory per run: measured on the test run; a model needing more for one image than the cap is refused, larger batches run in parts', async () => {
  // A 7x7 convolution to 64 channels at 384 px: about 36 MiB of activations per image.
  const crop = 384;
  const recipe = { ...TINY_RECIPE, resize: crop, crop };
  const folder = join(root, 'conv384');
  mkdirSync(folder, { recursive: true });
  const file = join(folder, 'conv384.onnx');
  const f = (name: string, shape: Dim[]) => ({ name, elemType: ONNX_FLOAT, shape });
  writeFileSync(
    file,
    buildOnnxModel({
      name: 'conv384',
      inputs: [f('image', ['batch', 3, crop, crop])],
      outputs: [f('embedding', ['batch', 64])],
      nodes: [
        {
          opType: 'Conv',
          inputs: ['image', 'w'],
          outputs: ['conv'],
          attributes: [
            { name: 'kernel_shape', ints: [7, 7] },
            { name: 'pads', ints: [3, 3, 3, 3] },
          ],
        },
        { opType: 'GlobalAveragePool', inputs: ['conv'], outputs: ['pooled'] },
        { opType: 'Flatten', inputs: ['pooled'], outputs: ['embedding'], attributes: [{ name: 'axis', int: 1 }] },
      ],
      initializers: [{ name: 'w', dims: [64, 3, 7, 7], floats: seeded(64 * 3 * 49) }],
    }),
  );
  await refused(
    file,
    /a run of 1 image needs about \d+ MiB, over the cap of 8 MiB per run \(CORREMBED_MAX_MODEL_BATCH_BYTES\)/,
    { maxBatchBytes: 8 * MIB },
    'BAD_USER_INPUT',
    recipe,
  );
  const capped = await load(file, { maxBatchBytes: 100 * MIB }, recipe);
  const free = await load(file, {}, recipe);
  try {
    assert.ok(capped.runLimit >= 1 && capped.runLimit < 5, `${capped.runLimit} images per run within 100 MiB`);
    assert.ok(free.runLimit >= 5);
    const batch = someImages(5, crop);
    const parts = await capped.embed(batch, 5);
    const whole = await free.embed(batch, 5);
    assert.equal(parts.length, whole.length);
    for (let i = 0; i < parts.length; i++) assert.ok(Math.abs(parts[i] - whole[i]) < 1e-4, `value ${i}: ${parts[i]} vs ${whole[i]}`);
  } finally {
    await capped.release();
    await free.release();
  }
});

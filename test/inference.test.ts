// Model manifests, loading and inspecting ONNX models (layouts, refusals, outputs by name), batched embedding, the cache.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { embedImages } from '../src/embedding/embedImages.js';
import { UserInputError } from '../src/errors.js';
import { preprocessHash, preprocessImage } from '../src/imaging/preprocess.js';
import { EmbeddingModel } from '../src/inference/embeddingModel.js';
import { getModel, releaseModels } from '../src/inference/modelCache.js';
import { loadModelManifest } from '../src/inference/modelManifest.js';
import { writeTestImages, type TestImages } from './support/images.js';
import { TINY_DIM, TINY_RECIPE, writeTinyModel, type TinyModelKind } from './support/tinyModels.js';

const root = mkdtempSync(join(tmpdir(), 'corrembed-inference-'));
const modelDir = join(root, 'models');
const imageDir = join(root, 'images');
let images: TestImages;
const loaded: EmbeddingModel[] = [];

before(async () => {
  images = await writeTestImages(imageDir);
});
after(async () => {
  await Promise.all(loaded.map((m) => m.release()));
  await releaseModels();
  rmSync(root, { recursive: true, force: true });
});

async function loadKind(kind: TinyModelKind, manifest: Parameters<typeof writeTinyModel>[2] = {}): Promise<EmbeddingModel> {
  const written = await writeTinyModel(modelDir, kind, manifest);
  const model = await EmbeddingModel.load(await loadModelManifest(written.manifest), { threads: 1 });
  loaded.push(model);
  return model;
}

async function refusal(kind: TinyModelKind, pattern: RegExp, manifest: Parameters<typeof writeTinyModel>[2] = {}): Promise<void> {
  await assert.rejects(loadKind(kind, manifest), (error: unknown) => {
    assert.ok(error instanceof UserInputError, String(error));
    assert.match(error.message, pattern);
    return true;
  });
}

/** The pattern images the tiny models embed in these tests. */
const sources = () =>
  [images.png, images.jpeg, images.pngAlpha, images.grey, images.tall, images.wide, images.tiny, images.svg].map((path, i) => ({
    id: `img${i}`,
    uri: path,
  }));

async function oneByOne(model: EmbeddingModel, paths: string[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const path of paths) out.push(await model.embed(await preprocessImage(await readFile(path), model.recipe, model.layout), 1));
  return out;
}

function assertClose(a: Float32Array, b: Float32Array, tolerance = 1e-5): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i] - b[i]) <= tolerance * Math.max(1, Math.abs(b[i])), `index ${i}: ${a[i]} vs ${b[i]}`);
}

test('inference: manifests resolve the file inside their folder and refuse bad fields', async () => {
  const written = await writeTinyModel(modelDir, 'conv');
  const manifest = await loadModelManifest(written.manifest);
  assert.equal(manifest.file, written.onnx);
  assert.deepEqual(manifest.preprocess, TINY_RECIPE);
  const write = (name: string, json: unknown) => {
    const path = join(modelDir, name);
    writeFileSync(path, typeof json === 'string' ? json : JSON.stringify(json));
    return path;
  };
  const good = { name: 'm', file: 'conv.onnx', preprocess: TINY_RECIPE };
  const cases: [unknown, RegExp, string?][] = [
    ['{ "name": ', /malformed JSON/],
    [[1, 2], /must be a JSON object/],
    [{ ...good, name: '' }, /"name" must be a non-empty string/],
    [{ name: 'm', preprocess: TINY_RECIPE }, /"file" must be the path of the \.onnx file/],
    [{ name: 'm', file: 'conv.onnx' }, /"preprocess" is required/],
    [{ ...good, preprocess: { ...TINY_RECIPE, resize: -1 } }, /preprocess: "resize" must be an integer/],
    [{ ...good, file: 'missing.onnx' }, /file "missing\.onnx": not found/, 'NOT_FOUND'],
    [{ ...good, metadata: { imagenetAcc1: 130 } }, /"metadata\.imagenetAcc1" must be a percentage between 0 and 100/],
    [{ ...good, metadata: { params: 'many' } }, /"metadata\.params" must be a non-negative number/],
    [{ ...good, metadata: { accuracyMetric: 86 } }, /"metadata\.accuracyMetric" must be a non-empty string/],
    [{ ...good, metadata: { accuracyMetric: ' ' } }, /"metadata\.accuracyMetric" must be a non-empty string/],
    [{ ...good, colour: 'red' }, /unknown field "colour"/],
  ];
  for (const [i, [json, pattern, code]] of cases.entries()) {
    const path = write(`bad${i}.json`, json);
    await assert.rejects(loadModelManifest(path), (error: unknown) => {
      assert.ok(error instanceof UserInputError);
      assert.ok(error.message.startsWith(`model manifest ${path}: `), error.message);
      assert.match(error.message, pattern);
      assert.equal(error.code, code ?? 'BAD_USER_INPUT');
      return true;
    });
  }
  writeFileSync(join(root, 'outside.onnx'), 'x');
  await assert.rejects(loadModelManifest(write('escape.json', { ...good, file: '../outside.onnx' })), /outside the folder/);
  const full = await loadModelManifest(
    write('full.json', {
      ...good,
      output: 'embedding',
      metadata: { family: 'tiny', imagenetAcc1: 1.5, accuracyMetric: 'tone test accuracy', params: 224, gflops: 0.001 },
    }),
  );
  assert.deepEqual(full.metadata, { family: 'tiny', imagenetAcc1: 1.5, accuracyMetric: 'tone test accuracy', params: 224, gflops: 0.001 });
  assert.equal(full.output, 'embedding');
});

test('inference: a Conv+ReLU+pool model is inspected: input, layout, output, dim and hashes', async () => {
  const model = await loadKind('conv');
  assert.equal(model.inputName, 'image');
  assert.equal(model.layout, 'NCHW');
  assert.equal(model.outputName, 'embedding');
  assert.equal(model.dim, TINY_DIM);
  assert.equal(
    model.onnxHash,
    createHash('sha256')
      .update(await readFile(join(modelDir, 'conv.onnx')))
      .digest('hex'),
  );
  assert.equal(model.preprocessHash, preprocessHash(TINY_RECIPE, 'NCHW'));
  const nhwc = await loadKind('nhwc');
  assert.equal(nhwc.layout, 'NHWC');
  assert.equal(nhwc.preprocessHash, preprocessHash(TINY_RECIPE, 'NHWC'));
});

test('inference: models that do not give one vector per image, or do not take N x 3 x H x W, are refused', async () => {
  await refusal('spatial', /^model spatial: output 'map' has shape \[2, 8, 16, 16\] for a batch of 2; expected one vector per image/);
  await refusal('batchNotFirst', /^model batchNotFirst: output 'transposed' has shape \[8, 2\] for a batch of 2/);
  await refusal('rank3', /^model rank3: input 'pixels' has rank 3, expected 4 \(images as N x 3 x H x W\)$/);
  await refusal('twoOutputs', /output 'map' has shape \[2, 8, 16, 16\]/);
  await refusal('twoOutputs', /^model twoOutputs: no output 'logits' \(outputs: map, pooled\)$/, { output: 'logits' });
  await refusal('conv', /^model conv: input 'image' takes 16 x 16 images but the recipe crops 20 x 20$/, {
    preprocess: { ...TINY_RECIPE, resize: 24, crop: 20 },
  });
  writeFileSync(join(modelDir, 'garbage.onnx'), 'not a model');
  writeFileSync(join(modelDir, 'garbage.json'), JSON.stringify({ name: 'garbage', file: 'garbage.onnx', preprocess: TINY_RECIPE }));
  await assert.rejects(
    EmbeddingModel.load(await loadModelManifest(join(modelDir, 'garbage.json'))),
    /^UserInputError: model garbage: not an ONNX model \(protobuf wire type 6 at byte 0\)$/,
  );
});

test('inference: outputs are chosen by name and pooled [N, d, 1, 1] outputs are flattened', async () => {
  const conv = await loadKind('conv');
  const pooled = await loadKind('twoOutputs', { name: 'pooled', output: 'pooled' });
  assert.equal(pooled.outputName, 'pooled');
  assert.equal(pooled.dim, TINY_DIM);
  const batch = new Float32Array(2 * pooled.imageSize);
  await preprocessImage(await readFile(images.png), TINY_RECIPE, 'NCHW', batch, 0);
  await preprocessImage(await readFile(images.jpeg), TINY_RECIPE, 'NCHW', batch, pooled.imageSize);
  assertClose(await pooled.embed(batch, 2), await conv.embed(batch, 2));
});

test('inference: a batch embeds like its images one by one; NHWC and fixed-batch-1 models agree', async () => {
  const conv = await loadKind('conv');
  const list = sources();
  let calls = 0;
  const { vectors, failed, hashes } = await embedImages(conv, list, imageDir, { batchSize: 3, onBatch: () => calls++ });
  assert.deepEqual(failed, []);
  assert.equal(calls, 3);
  assert.equal(
    hashes.get('img0'),
    createHash('sha256')
      .update(await readFile(images.png))
      .digest('hex'),
  );
  const single = await oneByOne(
    conv,
    list.map((s) => s.uri),
  );
  list.forEach((s, i) => assertClose(vectors.get(s.id)!, single[i]));
  for (const kind of ['nhwc', 'fixedBatch1'] as const) {
    const other = await loadKind(kind);
    const result = await embedImages(other, list, imageDir, { batchSize: 5 });
    list.forEach((s) => assertClose(result.vectors.get(s.id)!, vectors.get(s.id)!));
  }
  assert.ok([...vectors.values()].some((v) => v.some((x) => x !== 0)));
});

test('inference: unreadable images are recorded as failed and the rest are embedded', async () => {
  const conv = await loadKind('conv');
  // The third batch reuses the first one's array (batchBuffers.ts): ok2 is packed over ok1's leftover floats.
  const list = [
    { id: 'ok1', uri: 'pattern.png' },
    { id: 'corrupt', uri: 'corrupt.png' },
    { id: 'missing', uri: 'nope.png' },
    { id: 'escape', uri: '../models/conv.onnx' },
    { id: 'truncated', uri: 'truncated.jpg' },
    { id: 'ok2', uri: 'pattern.jpg' },
  ];
  const progress: [number, number][] = [];
  const { vectors, failed } = await embedImages(conv, list, imageDir, {
    batchSize: 2,
    onBatch: (done, total) => progress.push([done, total]),
  });
  assert.deepEqual([...vectors.keys()].sort(), ['ok1', 'ok2']);
  assert.deepEqual(
    failed.map((f) => f.id),
    ['corrupt', 'missing', 'escape', 'truncated'],
  );
  assert.match(failed[0].error, /^image corrupt\.png: cannot decode \(/);
  assert.equal(failed[1].error, 'image nope.png: not found');
  assert.match(failed[2].error, /outside the folder/);
  assert.match(failed[3].error, /^image truncated\.jpg: cannot decode \(/);
  assert.deepEqual(progress, [
    [2, 6],
    [4, 6],
    [6, 6],
  ]);
  const [ok1, ok2] = await oneByOne(conv, [images.png, images.jpeg]);
  assertClose(vectors.get('ok1')!, ok1);
  assertClose(vectors.get('ok2')!, ok2);
});

test('inference: the cache gives one instance per model file and recipe', async () => {
  const written = await writeTinyModel(join(root, 'cached'), 'conv', { name: 'cached' });
  const manifest = await loadModelManifest(written.manifest);
  const [a, b] = await Promise.all([getModel(manifest, { threads: 1 }), getModel(manifest)]);
  assert.equal(a, b);
  assert.equal(await getModel({ ...manifest, name: 'renamed' }), a);
  const bicubic = await getModel({ ...manifest, preprocess: { ...manifest.preprocess, interpolation: 'bicubic' } });
  assert.notEqual(bicubic, a);
  await releaseModels();
  const fresh = await getModel(manifest);
  assert.notEqual(fresh, a);
  assert.equal(fresh.dim, TINY_DIM);
});

// Size and structure limits on files users name: ONNX models (size before reading, ModelProto check before onnxruntime) and JSON manifests.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hashImageSources } from '../src/catalog/imageSources.js';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { UserInputError } from '../src/errors.js';
import { EmbeddingModel } from '../src/inference/embeddingModel.js';
import { loadModelManifest } from '../src/inference/modelManifest.js';
import { modelProtoProblem } from '../src/inference/onnxFile.js';
import { loadManifest } from '../src/io/datasetFiles.js';
import { useFileLimits } from '../src/storage/fileLimits.js';
import { jsonDepthProblem } from '../src/io/jsonDepth.js';
import { TINY_RECIPE, tinyModel } from './support/tinyModels.js';

// This process's limits: small enough to test with sparse files.
useFileLimits({ maxOnnxBytes: 1024 ** 2, maxManifestBytes: 1024 ** 2 });

const dir = mkdtempSync(join(tmpdir(), 'corrembed-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UserInputError, String(error));
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'));
    return true;
  });
}

const load = (path: string) => EmbeddingModel.load({ name: 'm', file: path, preprocess: TINY_RECIPE }, { threads: 1 });

test('ONNX: a file over CORREMBED_MAX_ONNX_BYTES is refused from its size, before it is read', async () => {
  const sparse = file('huge.onnx', '');
  truncateSync(sparse, 4 * 1024 ** 3); // 4 GiB of holes: reading it would take seconds and gigabytes
  const started = Date.now();
  await rejectsWith(load(sparse), /^model m: .*huge\.onnx is larger than the limit of 1048576 bytes \(CORREMBED_MAX_ONNX_BYTES\)$/);
  assert.ok(Date.now() - started < 1000);
});

test('ONNX: garbage, other formats, empty and truncated files are refused before onnxruntime with a clear reason', async () => {
  const real = tinyModel('conv');
  assert.equal(modelProtoProblem(real), null);
  const cases: [string, Uint8Array, RegExp][] = [
    ['empty.onnx', new Uint8Array(0), /not an ONNX model \(no ir_version\)/],
    ['text.onnx', Buffer.from('{"name": "not a model"}'), /not an ONNX model \(/],
    ['png.onnx', Buffer.from([137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13]), /not an ONNX model \(/],
    [
      'truncated.onnx',
      real.subarray(0, Math.floor(real.length / 2)),
      /not an ONNX model \(field 7 runs past the end of the file \(truncated\?\)\)/,
    ],
    ['zeros.onnx', new Uint8Array(64), /not an ONNX model \(protobuf field number 0 at byte 0\)/],
    ['nograph.onnx', Uint8Array.from([0x08, 0x08]), /not an ONNX model \(no graph\)/],
    ['wiretype.onnx', Uint8Array.from([0x08, 0x08, 0x3a, 0x00, 0x4b]), /not an ONNX model \(protobuf wire type 3 at byte 4\)/],
    // The ORT-format identifier lets a file past the ModelProto check; onnxruntime's FlatBuffer verifier refuses this one.
    ['fake.ort', Buffer.from('\u0000\u0000\u0000\u0000ORTMgarbage'), /^model m: not a loadable ONNX model \(/],
    ['wrongtype.onnx', Uint8Array.from([0x0a, 0x00]), /not an ONNX model \(field 1 has wire type 2, expected 0\)/],
  ];
  for (const [name, bytes, pattern] of cases) await rejectsWith(load(file(name, bytes)), pattern);
  // Well-formed at the top level but a broken graph inside: onnxruntime's own refusal, still a user error.
  const corrupt = Uint8Array.from(real);
  const graphAt = corrupt.indexOf(0x3a);
  corrupt.fill(0xff, graphAt + 4, graphAt + 40);
  await rejectsWith(load(file('corrupt-graph.onnx', corrupt)), /^model m: (not a loadable ONNX model|not an ONNX model)/);
  const model = await load(file('real.onnx', real));
  assert.equal(model.dim, 8);
  await model.release();
});

test('JSON: a manifest over CORREMBED_MAX_MANIFEST_BYTES is refused before reading; nesting past 64 before parsing', async () => {
  const sparse = file('huge.json', '');
  truncateSync(sparse, 2 * 1024 ** 3);
  await rejectsWith(
    loadManifest(sparse),
    /^manifest .*huge\.json: larger than the limit of 1048576 bytes \(CORREMBED_MAX_MANIFEST_BYTES\)$/,
  );
  await rejectsWith(loadModelManifest(sparse), /^model manifest .*huge\.json: larger than the limit/);
  const deep = file('deep.json', `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  await rejectsWith(loadManifest(deep), /^manifest .*deep\.json: JSON nested deeper than 64 levels$/);
  await rejectsWith(
    loadModelManifest(file('deep-model.json', `{"name": "m", "metadata": {"family": ${'['.repeat(50_000)}${']'.repeat(50_000)}}}`)),
    /nested deeper than 64 levels/,
  );
  assert.equal(jsonDepthProblem(`${'['.repeat(64)}${']'.repeat(64)}`), null);
  assert.equal(jsonDepthProblem(`{"a": "${'[{'.repeat(500)}\\"["}`), null, 'brackets inside strings do not count');
  await rejectsWith(loadManifest(file('bad.json', '{"items": [}')), /^manifest .*bad\.json: malformed JSON \(/);
  await rejectsWith(loadManifest(dir), /^manifest .*: not a file$/);
});

test('images: a file over the 50 MB image limit is refused at import, not read whole to hash it', async () => {
  const sparse = file('huge.png', '');
  truncateSync(sparse, 3 * 1024 ** 3);
  await assert.rejects(
    hashImageSources(dir, [{ id: 'big', uri: 'huge.png' }]),
    (e: Error) => e instanceof UserInputError && /^image "big": huge\.png is larger than the limit of 52428800 bytes$/.test(e.message),
  );
});

test('config: the size limits are checked at start', () => {
  assert.equal(loadConfig({}).inputSafety.maxOnnxBytes, 2 * 1024 ** 3);
  assert.equal(loadConfig({}).inputSafety.maxManifestBytes, 500 * 1024 ** 2);
  for (const [env, message] of [
    [{ CORREMBED_MAX_ONNX_BYTES: '0' }, /CORREMBED_MAX_ONNX_BYTES must be an integer from 1 to 2147483648/],
    [{ CORREMBED_MAX_MANIFEST_BYTES: '1073741824' }, /CORREMBED_MAX_MANIFEST_BYTES must be an integer from 1 to 536870888/],
  ] as const) {
    assert.throws(
      () => loadConfig(env),
      (e: Error) => e instanceof ConfigError && message.test(e.message),
    );
  }
});

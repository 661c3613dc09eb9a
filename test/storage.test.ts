// S3 storage: s3:// URIs, images and ONNX models read with the real S3 client from a stand-in S3 host.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { UserInputError, type ErrorCode } from '../src/errors.js';
import { readImageBytes } from '../src/imaging/imageSource.js';
import { preprocessImage } from '../src/imaging/preprocess.js';
import { EmbeddingModel } from '../src/inference/embeddingModel.js';
import { getModel, releaseModels } from '../src/inference/modelCache.js';
import { loadModelManifest } from '../src/inference/modelManifest.js';
import { localModelFile } from '../src/storage/modelFiles.js';
import { useModelCacheDir } from '../src/storage/storageSettings.js';
import { resetS3Client } from '../src/storage/s3Objects.js';
import { useS3Settings } from '../src/storage/storageSettings.js';
import { parseS3Uri, resolveS3Relative } from '../src/storage/s3Uri.js';
import { startS3Host, type S3Host } from './support/s3Host.js';
import { writeTinyModel } from './support/tinyModels.js';

const root = mkdtempSync(join(tmpdir(), 'corrembed-storage-'));
const cacheDir = join(root, 'model-cache');
const ACCESS_KEY = 'AKIDCORREMBEDTEST0001';
const SECRET_KEY = 'corrembed/test/secret/key/0001';
let host: S3Host;
let png: Buffer;

before(async () => {
  host = await startS3Host();
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: ACCESS_KEY, AWS_SECRET_ACCESS_KEY: SECRET_KEY });
  useS3Settings({ region: 'eu-west-1', endpoint: host.endpoint });
  useModelCacheDir(cacheDir);
  png = await sharp({ create: { width: 12, height: 8, channels: 3, background: { r: 200, g: 30, b: 40 } } })
    .png()
    .toBuffer();
  host.put('images', 'photos/red dot.png', png);
});
after(async () => {
  resetS3Client();
  await releaseModels();
  await host.close();
  rmSync(root, { recursive: true, force: true });
});

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp, code: ErrorCode = 'BAD_USER_INPUT'): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UserInputError, String(error));
    assert.match(error.message, pattern);
    assert.equal(error.code, code);
    assert.ok(!error.message.includes(ACCESS_KEY) && !error.message.includes(SECRET_KEY), error.message);
    return true;
  });
}

const gets = (path: string) => host.requests.filter((r) => r === `GET ${path}`).length;

test('s3:// URIs: bucket and key, malformed ones refused', async () => {
  assert.deepEqual(parseS3Uri('s3://my-bucket.eu/a/b c.png'), {
    bucket: 'my-bucket.eu',
    key: 'a/b c.png',
    uri: 's3://my-bucket.eu/a/b c.png',
  });
  const cases: [string, RegExp][] = [
    ['s3://', /no bucket/],
    ['s3:///key.png', /no bucket/],
    ['s3://bucket', /no key/],
    ['s3://bucket/', /no key/],
    ['s3://Bad_Bucket/key.png', /bad bucket name "Bad_Bucket"/],
    ['s3://ab/key.png', /bad bucket name "ab"/],
    ['s3://-bucket/key.png', /bad bucket name "-bucket"/],
    ['s3://my..bucket/key.png', /two dots/],
    ['s3://192.168.0.1/key.png', /IP address/],
    [`s3://bucket/${'k'.repeat(1025)}`, /key longer than 1024 bytes/],
  ];
  for (const [uri, pattern] of cases) {
    assert.throws(
      () => parseS3Uri(uri),
      (error: unknown) =>
        error instanceof UserInputError && pattern.test(error.message) && error.message.includes('expected s3://bucket/key'),
    );
    await rejectsWith(readImageBytes(uri, root), pattern);
  }
});

test('paths relative to a manifest in S3 resolve inside its bucket', () => {
  assert.equal(resolveS3Relative('s3://data/sets/tones/manifest.json', 'images/0.png'), 's3://data/sets/tones/images/0.png');
  assert.equal(resolveS3Relative('s3://data/sets/tones/manifest.json', './a/../b.png'), 's3://data/sets/tones/b.png');
  assert.equal(resolveS3Relative('s3://data/sets/tones/manifest.json', '../../common/m.onnx'), 's3://data/common/m.onnx');
  assert.throws(() => resolveS3Relative('s3://data/manifest.json', '../x.png'), /climbs above the root of bucket data/);
});

test('an image read by s3:// URI decodes with sharp', async () => {
  const bytes = await readImageBytes('s3://images/photos/red dot.png', root);
  assert.deepEqual(bytes, png);
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [12, 8, 3]);
  assert.deepEqual([...data.subarray(0, 3)], [200, 30, 40]);
});

test('s3:// image refusals: too large (declared or streamed), missing, denied, slow, other failures', async () => {
  host.put('images', 'chunked.bin', Buffer.alloc(50_000), { chunked: true });
  host.fail('images', 'secret.png', 403, 'AccessDenied', 'Access Denied');
  host.fail('images', 'odd.png', 400, 'InvalidArgument', `Unsupported request from ${ACCESS_KEY}`);
  host.put('images', 'slow.png', png);
  host.stall('images', 'slow.png');
  const uri = (key: string) => `s3://images/${key}`;
  const limit = png.length - 1;
  await rejectsWith(
    readImageBytes(uri('photos/red dot.png'), root, { maxBytes: limit }),
    new RegExp(`^image s3://images/photos/red dot\\.png: larger than the limit of ${limit} bytes$`),
  );
  await rejectsWith(
    readImageBytes(uri('chunked.bin'), root, { maxBytes: 20_000 }),
    /^image s3:\/\/images\/chunked\.bin: larger than the limit of 20000 bytes$/,
  );
  assert.equal((await readImageBytes(uri('chunked.bin'), root)).length, 50_000);
  await rejectsWith(readImageBytes(uri('missing.png'), root), /^image s3:\/\/images\/missing\.png: not found$/, 'NOT_FOUND');
  await rejectsWith(readImageBytes('s3://no-such-bucket/a.png', root), /^image s3:\/\/no-such-bucket\/a\.png: not found$/, 'NOT_FOUND');
  await rejectsWith(readImageBytes(uri('secret.png'), root), /^image s3:\/\/images\/secret\.png: access denied$/);
  await rejectsWith(
    readImageBytes(uri('odd.png'), root),
    /^image s3:\/\/images\/odd\.png: cannot fetch \(InvalidArgument: Unsupported request from \*\*\*\)$/,
  );
  const started = Date.now();
  await rejectsWith(
    readImageBytes(uri('slow.png'), root, { timeoutMs: 300 }),
    /^image s3:\/\/images\/slow\.png: no complete answer within 300 ms$/,
  );
  assert.ok(Date.now() - started < 5000);
});

test('an ONNX model loaded by s3:// URI embeds as the local file does, downloaded once', async () => {
  const written = await writeTinyModel(join(root, 'models'), 'conv', { seed: 11 });
  const local = await loadModelManifest(written.manifest);
  host.put('models', 'tiny/conv.onnx', await readFile(written.onnx));
  const remote = { ...local, file: 's3://models/tiny/conv.onnx' };
  const reference = await EmbeddingModel.load(local, { threads: 1 });
  try {
    const fromS3 = await getModel(remote, { threads: 1 });
    assert.notEqual(fromS3, reference);
    const batch = await preprocessImage(png, reference.recipe, reference.layout);
    assert.deepEqual(await fromS3.embed(batch, 1), await reference.embed(batch, 1));
    await releaseModels();
    const again = await getModel(remote, { threads: 1 });
    assert.notEqual(again, fromS3);
    assert.deepEqual(await again.embed(batch, 1), await reference.embed(batch, 1));
  } finally {
    await reference.release();
  }
  assert.equal(gets('/models/tiny/conv.onnx'), 1);
  assert.deepEqual(
    readdirSync(cacheDir).filter((name) => !name.endsWith('.onnx')),
    [],
  );
  assert.equal(await localModelFile(written.onnx), written.onnx);
});

test('concurrent callers share one model download; a missing model is NOT_FOUND', async () => {
  host.put('models', 'shared.onnx', Buffer.from('not really onnx'));
  const [a, b] = await Promise.all([localModelFile('s3://models/shared.onnx'), localModelFile('s3://models/shared.onnx')]);
  assert.equal(a, b);
  assert.deepEqual(await readFile(a), Buffer.from('not really onnx'));
  assert.equal(gets('/models/shared.onnx'), 1);
  await rejectsWith(localModelFile('s3://models/none.onnx'), /^model file s3:\/\/models\/none\.onnx: not found$/, 'NOT_FOUND');
});

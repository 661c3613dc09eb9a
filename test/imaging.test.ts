// Image preprocessing as torchvision does it: every format, RGB conversion, PIL-exact resampling, crop, normalisation, sources.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { UserInputError } from '../src/errors.js';
import { readImageBytes } from '../src/imaging/imageSource.js';
import { ReadBuffer } from '../src/imaging/readBuffer.js';
import { jpegFrame } from '../src/imaging/jpegFrame.js';
import { resizeAndCropRgb } from '../src/imaging/pilResample.js';
import { parsePreprocessRecipe, preprocessHash, preprocessImage, type PreprocessRecipe } from '../src/imaging/preprocess.js';
import { cropGeometry, resizedSize, roundHalfEven } from '../src/imaging/resizeGeometry.js';
import { blockPattern, SOLID, writeTestImages, type TestImages } from './support/images.js';
import { GOLDEN_CASES, goldenPattern, PIL_GOLDENS } from './support/pilGoldens.js';

const root = mkdtempSync(join(tmpdir(), 'corrembed-imaging-'));
const dir = join(root, 'images');
let images: TestImages;
before(async () => {
  images = await writeTestImages(dir);
});
after(() => rmSync(root, { recursive: true, force: true }));

const IMAGENET: PreprocessRecipe = {
  resize: 24,
  crop: 20,
  interpolation: 'bilinear',
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};
/** mean 0, std 1: the floats are byte / 255, so pixels can be read back. */
const RAW = (resize: number, crop: number): PreprocessRecipe => ({
  resize,
  crop,
  interpolation: 'bilinear',
  mean: [0, 0, 0],
  std: [1, 1, 1],
});

const load = (path: string, recipe = IMAGENET, layout: 'NCHW' | 'NHWC' = 'NCHW') =>
  readFile(path).then((b) => preprocessImage(b, recipe, layout));

/** What ToTensor + Normalize give for byte v in channel c, in float32 steps as torch computes them. */
function torchValue(v: number, c: number, recipe: PreprocessRecipe): number {
  return Math.fround(Math.fround(Math.fround(v / 255) - Math.fround(recipe.mean[c])) / Math.fround(recipe.std[c]));
}

function meanAbsDiff(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp, code = 'BAD_USER_INPUT'): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UserInputError, `expected a UserInputError, got ${String(error)}`);
    assert.match(error.message, pattern);
    assert.equal(error.code, code);
    return true;
  });
}

test('imaging: PNG, GIF, TIFF, WebP and AVIF decode to identical tensors; JPEG close to them', async () => {
  const png = await load(images.png);
  assert.equal(png.length, 3 * 20 * 20);
  for (const path of [images.gif, images.tiff, images.webp, ...(images.avif ? [images.avif] : [])]) {
    assert.deepEqual(await load(path), png, path);
  }
  const jpegSource = await sharp(blockPattern(64, 48), { raw: { width: 64, height: 48, channels: 3 } })
    .png()
    .toBuffer();
  const lossless = await preprocessImage(jpegSource, IMAGENET, 'NCHW');
  assert.ok(meanAbsDiff(await load(images.jpeg), lossless) < 0.03);
});

test('imaging: alpha is dropped without compositing and grey is replicated to RGB', async () => {
  assert.deepEqual(await load(images.pngAlpha), await load(images.png));
  const recipe = RAW(30, 30);
  const grey = await load(images.grey, recipe);
  const greyAlpha = await load(images.greyAlpha, recipe);
  assert.deepEqual(greyAlpha, grey);
  const area = 30 * 30;
  for (let i = 0; i < area; i++) {
    assert.equal(grey[i], grey[area + i]);
    assert.equal(grey[i], grey[2 * area + i]);
  }
  // No resize (the shorter side is already 30): the first pixel of the 40 x 30 grey image is byte 5 * 7 = 35.
  assert.equal(grey[0], torchValue(35, 0, recipe));
});

test('imaging: a solid colour gives exactly (c/255 - mean)/std in every format and interpolation', async () => {
  for (const interpolation of ['bilinear', 'bicubic', 'nearest'] as const) {
    const recipe = { ...IMAGENET, resize: 16, crop: 12, interpolation };
    for (const path of [images.solid, images.svg]) {
      const out = await load(path, recipe);
      for (let c = 0; c < 3; c++) {
        const expected = torchValue(SOLID[c], c, recipe);
        assert.ok(Math.abs(expected - (SOLID[c] / 255 - recipe.mean[c]) / recipe.std[c]) < 1e-6);
        for (let i = 0; i < 144; i++) assert.equal(out[c * 144 + i], expected, `${path} ${interpolation} channel ${c}`);
      }
    }
  }
});

test('imaging: torchvision geometry: truncated long side, round-half-even centre crop', async () => {
  assert.deepEqual(resizedSize(500, 333, 256), { width: 384, height: 256 });
  assert.deepEqual(resizedSize(333, 500, 256), { width: 256, height: 384 });
  assert.deepEqual(resizedSize(7, 5, 11), { width: 15, height: 11 });
  assert.deepEqual([0.5, 1.5, 2.5, 3.5, 4.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, 4, 4, 2, 3]);
  assert.deepEqual(cropGeometry(500, 333, 256, 224), { width: 384, height: 256, left: 80, top: 16 });
  // Pixel (x, y) of the coordinate images holds (10x, 10y, 77); the short side equals resize, so nothing is resampled.
  const at = (out: Float32Array, crop: number, x: number, y: number) =>
    [0, 1, 2].map((c) => Math.round(out[c * crop * crop + y * crop + x] * 255));
  const wide = await load(images.coords21x16, RAW(16, 10)); // left = round(5.5) = 6, top = round(3) = 3
  assert.deepEqual(at(wide, 10, 0, 0), [60, 30, 77]);
  assert.deepEqual(at(wide, 10, 9, 9), [150, 120, 77]);
  const tall = await load(images.coords16x19, RAW(16, 10)); // left = 3, top = round(4.5) = 4
  assert.deepEqual(at(tall, 10, 0, 0), [30, 40, 77]);
  assert.deepEqual(at(tall, 10, 9, 9), [120, 130, 77]);
});

test('imaging: resampling reproduces Pillow (bilinear, bicubic, nearest; down, far down, up) byte for byte', () => {
  for (const [name, c] of Object.entries(GOLDEN_CASES)) {
    const g = cropGeometry(c.width, c.height, c.resize, c.crop);
    for (const interpolation of ['bilinear', 'bicubic', 'nearest'] as const) {
      const out = resizeAndCropRgb(
        goldenPattern(c.width, c.height),
        c.width,
        c.height,
        g.width,
        g.height,
        interpolation,
        g.left,
        g.top,
        c.crop,
      );
      assert.equal(Buffer.from(out).toString('base64'), PIL_GOLDENS[`${name}/${interpolation}`], `${name}/${interpolation}`);
    }
  }
});

test('imaging: NHWC is the transpose of NCHW, and `out`/`offset` write in place', async () => {
  const nchw = await load(images.jpeg);
  const nhwc = await load(images.jpeg, IMAGENET, 'NHWC');
  const area = 20 * 20;
  for (let i = 0; i < area; i++) for (let c = 0; c < 3; c++) assert.equal(nhwc[i * 3 + c], nchw[c * area + i]);
  const bytes = await readFile(images.jpeg);
  const big = new Float32Array(3 * area * 2 + 5).fill(-9);
  const returned = await preprocessImage(bytes, IMAGENET, 'NCHW', big, 3 * area + 5);
  assert.equal(returned, big);
  assert.deepEqual(big.subarray(3 * area + 5), nchw);
  assert.ok(big.subarray(0, 3 * area + 5).every((v) => v === -9));
  await assert.rejects(preprocessImage(bytes, IMAGENET, 'NCHW', big, 3 * area + 6), RangeError);
});

test('imaging: odd sizes and aspect ratios (7x31, 45x9, 3x2 upscaled) give full, finite tensors', async () => {
  for (const path of [images.tall, images.wide, images.tiny]) {
    const out = await load(path, { ...IMAGENET, interpolation: 'bicubic' });
    assert.equal(out.length, 1200);
    assert.ok(out.every(Number.isFinite), path);
  }
});

test('imaging: a JPEG frame header gives the component count and size sharp reports (CMYK is 4); anything else gives undefined', async () => {
  const parity = join(process.cwd(), 'test/fixtures/parity');
  for (const name of ['rgb_160x120.jpg', 'rgb_37x53.jpg', 'grey_64x48.jpg', 'cmyk_96x64.jpg', 'rgb_120x90.png', 'palette_81x45.png']) {
    const bytes = await readFile(join(parity, name));
    const meta = await sharp(bytes).metadata();
    const frame = jpegFrame(bytes);
    assert.deepEqual(
      frame,
      meta.format === 'jpeg' ? { components: meta.channels, width: meta.width, height: meta.height } : undefined,
      name,
    );
    if (meta.format === 'jpeg') assert.equal(frame?.components === 4, meta.space === 'cmyk', name);
  }
  const jpeg = await readFile(join(parity, 'rgb_160x120.jpg'));
  for (const cut of [0, 3, 20, 100]) assert.ok([undefined, 3].includes(jpegFrame(jpeg.subarray(0, cut))?.components), `cut at ${cut}`);
  assert.equal(jpegFrame(Buffer.from([0xff, 0xd8, 0x00, 0x00, 0x00])), undefined);
});

test('imaging: corrupt, truncated and oversized images are clear user errors', async () => {
  const bytes = (p: string) => readFile(p);
  await rejectsWith(
    preprocessImage(await bytes(images.corrupt), IMAGENET, 'NCHW', undefined, 0, { name: 'corrupt.png' }),
    /^image corrupt\.png: cannot decode \(.+\)$/,
  );
  await rejectsWith(
    preprocessImage(await bytes(images.truncated), IMAGENET, 'NCHW', undefined, 0, { name: 'cut.jpg' }),
    /^image cut\.jpg: cannot decode/,
  );
  await rejectsWith(
    preprocessImage(await bytes(images.png), IMAGENET, 'NCHW', undefined, 0, { name: 'p.png', maxPixels: 1000 }),
    /^image p\.png: cannot decode \(larger than the limit of 1000 pixels\)$/,
  );
});

test('imaging: recipes are validated, and their hash keys recipe and layout', () => {
  assert.deepEqual(parsePreprocessRecipe({ ...IMAGENET }), IMAGENET);
  const bad: [unknown, RegExp][] = [
    [null, /must be an object/],
    [{ ...IMAGENET, crop: 30 }, /"crop" \(30\) must not exceed "resize" \(24\)/],
    [{ ...IMAGENET, resize: 2.5 }, /"resize" must be an integer/],
    [{ ...IMAGENET, interpolation: 'lanczos' }, /"interpolation" must be one of "bilinear", "bicubic", "nearest"/],
    [{ ...IMAGENET, mean: [0.5, 0.5] }, /"mean" must be an array of 3 finite numbers/],
    [{ ...IMAGENET, std: [0.2, 0, 0.2] }, /"std" must be an array of 3 finite positive numbers/],
    [{ ...IMAGENET, size: 3 }, /unknown field "size"/],
  ];
  for (const [json, pattern] of bad)
    assert.throws(
      () => parsePreprocessRecipe(json),
      (e: unknown) => e instanceof UserInputError && pattern.test(e.message),
    );
  const hash = preprocessHash(IMAGENET, 'NCHW');
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.equal(preprocessHash({ ...IMAGENET }, 'NCHW'), hash);
  assert.notEqual(preprocessHash(IMAGENET, 'NHWC'), hash);
  assert.notEqual(preprocessHash({ ...IMAGENET, interpolation: 'bicubic' }, 'NCHW'), hash);
});

test('imaging: paths are confined to the base folder, symlinks included', async () => {
  const outside = join(root, 'outside.png');
  writeFileSync(outside, 'secret');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  symlinkSync(outside, join(dir, 'sub', 'escape.png'));
  symlinkSync(images.png, join(dir, 'sub', 'inside.png'));
  assert.deepEqual(await readImageBytes('pattern.png', dir), await readFile(images.png));
  assert.deepEqual(await readImageBytes('sub/inside.png', dir), await readFile(images.png));
  assert.deepEqual(await readImageBytes(images.png, dir), await readFile(images.png));
  await rejectsWith(readImageBytes('../outside.png', dir), /^image \.\.\/outside\.png: outside the folder /);
  await rejectsWith(readImageBytes('sub/escape.png', dir), /^image sub\/escape\.png: outside the folder /);
  await rejectsWith(readImageBytes(outside, dir), /outside the folder/);
  await rejectsWith(readImageBytes('missing.png', dir), /^image missing\.png: not found$/, 'NOT_FOUND');
  await rejectsWith(readImageBytes('sub', dir), /^image sub: not a file$/);
  await rejectsWith(readImageBytes('pattern.png', dir, { maxBytes: 10 }), /^image pattern\.png: larger than the limit of 10 bytes$/);
  await rejectsWith(readImageBytes('ftp://example.org/x.png', dir), /only relative paths and http\(s\) URLs/);
});

test('imaging: local reads into a ReadBuffer reuse its memory and return exactly each file', async () => {
  const big = Buffer.alloc(5 * 1024 * 1024, 7);
  mkdirSync(join(dir, 'reads'), { recursive: true });
  writeFileSync(join(dir, 'reads', 'big.bin'), big);
  writeFileSync(join(dir, 'reads', 'empty.bin'), '');
  const scratch = new ReadBuffer();
  const png = await readImageBytes('pattern.png', dir, {}, scratch);
  assert.deepEqual(png, await readFile(images.png));
  const jpeg = await readImageBytes(images.jpeg, dir, {}, scratch);
  assert.deepEqual(jpeg, await readFile(images.jpeg));
  assert.equal(jpeg.buffer, png.buffer, 'the second read reuses the memory of the first');
  assert.equal((await readImageBytes('reads/empty.bin', dir, {}, scratch)).length, 0);
  const large = await readImageBytes('reads/big.bin', dir, {}, scratch);
  assert.deepEqual(large, big);
  assert.notEqual(large.buffer, png.buffer, 'an image above the cap gets a buffer of its own');
  assert.deepEqual(await readImageBytes('pattern.png', dir, {}, scratch), await readFile(images.png));
  await rejectsWith(
    readImageBytes('reads/big.bin', dir, { maxBytes: 1000 }, scratch),
    /^image reads\/big\.bin: larger than the limit of 1000 bytes$/,
  );
});

test('imaging: http(s) images are fetched with a byte limit and a timeout', async () => {
  // The test server is on loopback, which only an explicit allowance reaches (test/urlGuard.test.ts has the refusals).
  const LOCAL = { urls: { allowPrivate: true, allowHosts: [] } };
  const png = await readFile(images.png);
  const server: Server = createServer((req, res) => {
    if (req.url === '/ok.png') res.end(png);
    else if (req.url === '/big') {
      res.writeHead(200); // chunked, no content-length: the limit must hold while streaming
      for (let i = 0; i < 20; i++) res.write(Buffer.alloc(10_000));
      res.end();
    } else if (req.url === '/declared') {
      res.writeHead(200, { 'content-length': String(png.length) });
      res.end(png);
    } else if (req.url === '/slow') res.writeHead(200).write('partial');
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    assert.deepEqual(await readImageBytes(`${base}/ok.png`, dir, LOCAL), png);
    const out = await preprocessImage(await readImageBytes(`${base}/ok.png`, dir, LOCAL), IMAGENET, 'NCHW');
    assert.deepEqual(out, await load(images.png));
    await rejectsWith(
      readImageBytes(`${base}/big`, dir, { ...LOCAL, maxBytes: 50_000 }),
      /^image http:\/\/127\.0\.0\.1:\d+\/big: larger than the limit of 50000 bytes$/,
    );
    await rejectsWith(readImageBytes(`${base}/declared`, dir, { ...LOCAL, maxBytes: 100 }), /larger than the limit of 100 bytes/);
    const started = Date.now();
    await rejectsWith(readImageBytes(`${base}/slow`, dir, { ...LOCAL, timeoutMs: 300 }), /\/slow: no complete answer within 300 ms$/);
    assert.ok(Date.now() - started < 5000);
    await rejectsWith(readImageBytes(`${base}/missing.png`, dir, LOCAL), /missing\.png: HTTP 404/, 'NOT_FOUND');
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

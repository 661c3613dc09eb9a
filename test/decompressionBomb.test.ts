// Decompression bombs: sharp's pixel limit refuses them from the header, before decoding, with a clear user error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { UserInputError } from '../src/errors.js';
import { preprocessImage, type PreprocessRecipe } from '../src/imaging/preprocess.js';
import { pngBomb } from './support/pngBomb.js';

const RECIPE: PreprocessRecipe = { resize: 20, crop: 16, interpolation: 'bilinear', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

async function refusedQuickly(bytes: Buffer, maxPixels: number | undefined, pattern: RegExp): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  const started = Date.now();
  await assert.rejects(preprocessImage(bytes, RECIPE, 'NCHW', undefined, 0, { name: 'bomb.png', maxPixels }), (error: unknown) => {
    assert.ok(error instanceof UserInputError, String(error));
    assert.match(error.message, pattern);
    return true;
  });
  assert.ok(Date.now() - started < 2000, `refused in ${Date.now() - started} ms`);
  assert.ok(process.memoryUsage().rss - rssBefore < 200 * 1024 ** 2, 'refused without decoding');
}

test('a real 20000 x 20000 PNG bomb (400 megapixels in ~50 KB) is refused by the default 100-megapixel limit', async () => {
  const bomb = pngBomb(20_000, 20_000);
  assert.ok(bomb.length < 100_000, `${bomb.length} bytes`);
  // It is a valid image: sharp reads its header when the limit is lifted.
  assert.deepEqual(
    await sharp(bomb, { limitInputPixels: false })
      .metadata()
      .then((m) => [m.width, m.height]),
    [20_000, 20_000],
  );
  await refusedQuickly(bomb, undefined, /^image bomb\.png: cannot decode \(larger than the limit of 100000000 pixels\)$/);
});

test('a PNG declaring 50000 x 50000 is refused from its header, and the limit applies to metadata reads too', async () => {
  const declared = pngBomb(50_000, 50_000, 2);
  await refusedQuickly(declared, undefined, /larger than the limit of 100000000 pixels/);
  await assert.rejects(sharp(declared, { limitInputPixels: 100_000_000 }).metadata(), /exceeds pixel limit/);
});

test('the pixel limit is a setting: a 64 x 64 image passes at 4096 pixels and is refused at 4095', async () => {
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
  assert.equal((await preprocessImage(png, RECIPE, 'NCHW', undefined, 0, { maxPixels: 4096 })).length, 3 * 16 * 16);
  await refusedQuickly(png, 4095, /larger than the limit of 4095 pixels/);
});

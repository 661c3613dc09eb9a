// The native PIL resampler (native/pil-imaging) against the JavaScript passes: the same float bits for every geometry.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { loadConfig } from '../src/config.js';
import { UserInputError } from '../src/errors.js';
import { decodeRgb } from '../src/imaging/decodeRgb.js';
import { jpegFrame } from '../src/imaging/jpegFrame.js';
import { loadPilImaging, preprocessingPathName } from '../src/imaging/nativeImaging.js';
import { normalisationTable, writeTensor } from '../src/imaging/normalise.js';
import { planResample, resizeAndCropRgb } from '../src/imaging/pilResample.js';
import { DEFAULT_MAX_PIXELS, preprocessImage } from '../src/imaging/preprocess.js';
import { tensorPlan } from '../src/imaging/tensorPlan.js';
import type { Layout, PreprocessRecipe } from '../src/imaging/recipe.js';
import { cropGeometry } from '../src/imaging/resizeGeometry.js';

const { imaging, error } = loadPilImaging();
const native = { skip: imaging ? false : `native imaging addon not built: ${error}` };

/** Deterministic noise with smooth regions, so both flat areas and edges (bicubic overshoot, clip8) occur. */
function rgbImage(width: number, height: number, seed: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const pixel = Math.floor(i / 3);
    data[i] = (pixel % width) % 37 < 18 ? (state >>> 0) & 255 : ((pixel % width) * 7 + Math.floor(pixel / width) * 3) & 255;
  }
  return data;
}

function recipeOf(resize: number, crop: number, interpolation: 'bilinear' | 'bicubic'): PreprocessRecipe {
  return { resize, crop, interpolation, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
}

function nativeTensor(
  src: Uint8Array,
  width: number,
  height: number,
  recipe: PreprocessRecipe,
  layout: Layout,
  out: Float32Array,
  offset: number,
): void {
  imaging!.resizeCropTensor(src, width, ...tensorPlan(width, height, recipe, layout, out, offset));
}

function jsTensor(
  src: Uint8Array,
  width: number,
  height: number,
  recipe: PreprocessRecipe,
  layout: Layout,
  out: Float32Array,
  offset: number,
): void {
  const g = cropGeometry(width, height, recipe.resize, recipe.crop);
  const pixels = resizeAndCropRgb(src, width, height, g.width, g.height, recipe.interpolation, g.left, g.top, recipe.crop);
  writeTensor(pixels, recipe, layout, out, offset);
}

/** Compares the native and JavaScript tensors on every geometry; returns how many cases ran. */
function compareGeometries(mode: string): number {
  // Downscales (up to 10x: long tap runs), upscales, an unchanged width or height, odd sizes, extreme aspect ratios.
  const sizes: [number, number][] = [
    [640, 480],
    [480, 640],
    [232, 300],
    [300, 232],
    [61, 47],
    [224, 224],
    [1000, 233],
    [233, 1000],
    [225, 226],
    [3, 2],
    [2401, 1603],
  ];
  const geometries: [number, number][] = [
    [232, 224],
    [256, 224],
    [224, 224],
    [96, 80],
  ];
  let cases = 0;
  for (const [w, h] of sizes) {
    const src = rgbImage(w, h, w * 7919 + h);
    for (const [resize, crop] of geometries) {
      if (crop > resize) continue;
      for (const interpolation of ['bilinear', 'bicubic'] as const) {
        for (const layout of ['NCHW', 'NHWC'] as const) {
          const recipe = recipeOf(resize, crop, interpolation);
          const size = 3 * crop * crop;
          const offset = cases % 2 === 0 ? 0 : size; // the second slot of a batch
          const expected = new Float32Array(2 * size).fill(-7);
          const actual = new Float32Array(2 * size).fill(-7);
          jsTensor(src, w, h, recipe, layout, expected, offset);
          nativeTensor(src, w, h, recipe, layout, actual, offset);
          const label = `${mode}: ${w}x${h} -> resize ${resize} crop ${crop} ${interpolation} ${layout}`;
          assert.ok(Buffer.from(actual.buffer).equals(Buffer.from(expected.buffer)), label);
          cases++;
        }
      }
    }
  }
  return cases;
}

test("native resize + crop + normalise gives the JavaScript passes' exact floats, with and without its vector code", native, (t) => {
  const vectorCode = imaging!.useVectorCode(true);
  try {
    if (vectorCode) assert.ok(compareGeometries('AVX2') >= 170);
    else t.diagnostic('this CPU has no AVX2: the portable code is what runs');
    assert.equal(imaging!.useVectorCode(false), false);
    assert.ok(compareGeometries('portable') >= 170);
  } finally {
    imaging!.useVectorCode(loadConfig().native.imaging.vectorCode);
  }
});

test('the active preprocessing path is named', () => {
  assert.match(
    preprocessingPathName(),
    imaging === null ? /^JavaScript resampling, sharp decoding: native addon not used \(.+\)$/ : /^native/,
  );
  if (imaging?.decodeJpegTensor) assert.match(preprocessingPathName(), /libjpeg decodes grey and YCbCr JPEGs/);
});

test('native resampling refuses arguments that would read or write outside its arrays', native, () => {
  const src = rgbImage(64, 48, 1);
  const recipe = recipeOf(32, 32, 'bilinear');
  const g = cropGeometry(64, 48, 32, 32);
  const plan = planResample(64, 48, g.width, g.height, 'bilinear', g.left, g.top, 32);
  const table = normalisationTable(recipe);
  const out = new Float32Array(3 * 32 * 32);
  const call =
    (
      overrides: Partial<{
        src: Uint8Array;
        width: number;
        rows: number;
        out: Float32Array;
        offset: number;
        table: Float32Array;
        horizontal: Int32Array;
      }>,
    ) =>
    () =>
      imaging!.resizeCropTensor(
        overrides.src ?? src,
        overrides.width ?? 64,
        plan.left,
        overrides.horizontal ?? plan.horizontal!.packed,
        plan.rowFirst,
        overrides.rows ?? plan.rows,
        plan.vertical!.packed,
        32,
        overrides.table ?? table,
        1024,
        1,
        overrides.out ?? out,
        overrides.offset ?? 0,
      );
  assert.doesNotThrow(call({}));
  assert.throws(call({ src: src.subarray(0, 64 * 3 * 10) }), { name: 'TypeError', message: /rows read must lie inside the image/ });
  assert.throws(call({ out: new Float32Array(100) }), { name: 'TypeError', message: /out must be a Float32Array/ });
  assert.throws(call({ offset: 1 }), { name: 'TypeError', message: /out must be a Float32Array/ });
  assert.throws(call({ table: new Float32Array(10) }), { name: 'TypeError', message: /768 floats/ });
  assert.throws(call({ width: 20, src: new Uint8Array(20 * 48 * 3) }), { name: 'TypeError', message: /horizontal taps/ });
  assert.throws(call({ rows: 3 }), { name: 'TypeError', message: /vertical taps/ });
  const bad = plan.horizontal!.packed.slice();
  bad[2] = -1; // a negative source column
  assert.throws(call({ horizontal: bad }), { name: 'TypeError', message: /horizontal taps/ });
});

/** The tensor of the all-JavaScript path: sharp's decode, the JS passes, writeTensor. */
async function jsPipeline(bytes: Buffer, recipe: PreprocessRecipe, layout: Layout): Promise<Float32Array> {
  const image = await decodeRgb(bytes, 'jpeg', DEFAULT_MAX_PIXELS);
  const out = new Float32Array(3 * recipe.crop * recipe.crop);
  jsTensor(image.data, image.width, image.height, recipe, layout, out, 0);
  return out;
}

const jpegNative = {
  skip: imaging?.decodeJpegTensor ? false : `native JPEG decoding not built: ${imaging ? 'no libjpeg headers at build time' : error}`,
};

test(
  "native JPEG decoding (libjpeg as PIL runs it) gives the tensors of sharp's decode and the JavaScript passes",
  jpegNative,
  async () => {
    const parity = join(process.cwd(), 'test/fixtures/parity');
    const jpegs: [string, Buffer][] = [];
    for (const name of ['rgb_160x120.jpg', 'rgb_37x53.jpg', 'grey_64x48.jpg']) jpegs.push([name, await readFile(join(parity, name))]);
    const sizes: [number, number][] = [
      [301, 217],
      [217, 301],
      [640, 480],
      [33, 19],
    ];
    for (const [w, h] of sizes) {
      const raw = sharp(Buffer.from(rgbImage(w, h, w + h)), { raw: { width: w, height: h, channels: 3 } });
      jpegs.push([`${w}x${h} 4:2:0`, await raw.clone().jpeg({ quality: 80 }).toBuffer()]);
      jpegs.push([
        `${w}x${h} 4:4:4 progressive`,
        await raw.clone().jpeg({ quality: 95, chromaSubsampling: '4:4:4', progressive: true }).toBuffer(),
      ]);
      jpegs.push([`${w}x${h} grey`, await raw.clone().greyscale().jpeg({ quality: 70 }).toBuffer()]);
    }
    for (const [name, bytes] of jpegs) {
      const frame = jpegFrame(bytes)!;
      for (const interpolation of ['bilinear', 'bicubic'] as const) {
        for (const layout of ['NCHW', 'NHWC'] as const) {
          const recipe = recipeOf(232, 224, interpolation);
          const expected = await jsPipeline(bytes, recipe, layout);
          const direct = new Float32Array(expected.length);
          const decoded = await imaging!.decodeJpegTensor!(
            bytes,
            frame.width,
            frame.height,
            ...tensorPlan(frame.width, frame.height, recipe, layout, direct, 0),
          );
          assert.equal(decoded, true, `${name}: the addon decodes it`);
          assert.ok(Buffer.from(direct.buffer).equals(Buffer.from(expected.buffer)), `${name} ${interpolation} ${layout}`);
          const viaPreprocess = await preprocessImage(bytes, recipe, layout);
          assert.ok(
            Buffer.from(viaPreprocess.buffer).equals(Buffer.from(expected.buffer)),
            `${name} ${interpolation} ${layout} through preprocessImage`,
          );
        }
      }
    }
    // All at once, into one batch array (decodes run on libuv's pool threads side by side), as embedImages does.
    const recipe = recipeOf(232, 224, 'bicubic');
    const size = 3 * 224 * 224;
    const batch = new Float32Array(jpegs.length * size);
    await Promise.all(jpegs.map(([, bytes], i) => preprocessImage(bytes, recipe, 'NCHW', batch, i * size)));
    for (const [i, [name, bytes]] of jpegs.entries()) {
      const expected = await jsPipeline(bytes, recipe, 'NCHW');
      assert.ok(
        Buffer.from(batch.buffer, i * size * 4, size * 4).equals(Buffer.from(expected.buffer)),
        `${name} decoded beside the others`,
      );
    }
  },
);

test('JPEGs the addon turns down (CMYK, truncated, corrupt, other sizes) go to sharp: same tensors, same errors', jpegNative, async () => {
  const parity = join(process.cwd(), 'test/fixtures/parity');
  const recipe = recipeOf(232, 224, 'bilinear');
  const cmyk = await readFile(join(parity, 'cmyk_96x64.jpg'));
  assert.ok(
    Buffer.from((await preprocessImage(cmyk, recipe, 'NCHW')).buffer).equals(Buffer.from((await jsPipeline(cmyk, recipe, 'NCHW')).buffer)),
    'CMYK through sharp',
  );

  const jpeg = await readFile(join(parity, 'rgb_160x120.jpg'));
  const out = new Float32Array(3 * 224 * 224).fill(5);
  const g = cropGeometry(160, 120, 232, 224);
  const plan = planResample(160, 120, g.width, g.height, 'bilinear', g.left, g.top, 224);
  const decode = (bytes: Uint8Array, width = 160, height = 120) =>
    imaging!.decodeJpegTensor!(
      bytes,
      width,
      height,
      plan.left,
      plan.horizontal?.packed ?? null,
      plan.rowFirst,
      plan.rows,
      plan.vertical?.packed ?? null,
      224,
      normalisationTable(recipe),
      50176,
      1,
      out,
      0,
    );
  const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
  const corrupt = Buffer.from(jpeg);
  for (let i = Math.floor(jpeg.length / 2); i < jpeg.length - 2; i += 7) corrupt[i] = 0xff; // markers in the entropy data
  assert.equal(await decode(truncated), false, 'truncated');
  assert.equal(await decode(corrupt), false, 'corrupt');
  assert.equal(await decode(jpeg, 161, 120), false, "a size other than the header's");
  assert.equal(await decode(Buffer.from('not a jpeg')), false, 'not a JPEG');
  assert.ok(
    out.every((v) => v === 5),
    'nothing written when the addon turns an image down',
  );
  assert.throws(
    () =>
      imaging!.decodeJpegTensor!(
        jpeg,
        160,
        120,
        plan.left,
        plan.horizontal?.packed ?? null,
        plan.rowFirst,
        plan.rows,
        plan.vertical?.packed ?? null,
        224,
        normalisationTable(recipe),
        50176,
        1,
        new Float32Array(10),
        0,
      ),
    {
      name: 'TypeError',
      message: /decodeJpegTensor: out must be a Float32Array/,
    },
  );
  // Whatever sharp makes of them (an error, or a tensor despite libjpeg's warnings), preprocessImage makes the same.
  const outcome = (work: Promise<Float32Array>) =>
    work.then(
      (tensor) => Buffer.from(tensor.buffer).toString('base64'),
      (e: unknown) => (e instanceof UserInputError ? `UserInputError: ${e.message}` : `other error: ${String(e)}`),
    );
  for (const bytes of [truncated, corrupt]) {
    assert.equal(
      await outcome(preprocessImage(bytes, recipe, 'NCHW', undefined, 0, { name: 'jpeg' })),
      await outcome(jsPipeline(bytes, recipe, 'NCHW')),
    );
  }
  assert.match(
    await outcome(preprocessImage(truncated, recipe, 'NCHW', undefined, 0, { name: 'jpeg' })),
    /^UserInputError: image jpeg: cannot decode/,
  );
});

test(
  "JPEG headers that lie about the size: over the pixel limit refused unread, within it the same outcome as sharp's",
  jpegNative,
  async () => {
    const jpeg = await readFile(join(process.cwd(), 'test/fixtures/parity/rgb_160x120.jpg'));
    const withSize = (width: number, height: number): Buffer => {
      const bytes = Buffer.from(jpeg);
      const sof = bytes.indexOf(Buffer.from([0xff, 0xc0]));
      bytes.writeUInt16BE(height, sof + 5);
      bytes.writeUInt16BE(width, sof + 7);
      return bytes;
    };
    const recipe = recipeOf(232, 224, 'bilinear');
    const outcome = (work: Promise<Float32Array>) =>
      work.then(
        (tensor) => `tensor ${Buffer.from(tensor.buffer).toString('base64').slice(0, 40)}`,
        (e: unknown) => (e instanceof UserInputError ? `UserInputError: ${e.message}` : `other error: ${String(e)}`),
      );
    const huge = withSize(60000, 60000);
    assert.deepEqual(jpegFrame(huge), { components: 3, width: 60000, height: 60000 });
    assert.match(
      await outcome(preprocessImage(huge, recipe, 'NCHW', undefined, 0, { name: 'jpeg' })),
      /^UserInputError: image jpeg: cannot decode \(larger than the limit of 100000000 pixels\)$/,
    );
    const tall = withSize(160, 2400); // 20 times the rows the data holds
    assert.equal(
      await outcome(preprocessImage(tall, recipe, 'NCHW', undefined, 0, { name: 'jpeg' })),
      await outcome(jsPipeline(tall, recipe, 'NCHW')),
    );
  },
);

test(
  'progressive JPEGs of more than 100 scans (a decoding bomb) are left to sharp; 100 scans are decoded natively',
  jpegNative,
  async () => {
    // 16 x 16 grey, one scan per coefficient and bit (cjpeg -scans, 100 scans; the 128-scan file splices in 28 more).
    const folder = join(process.cwd(), 'test/fixtures/jpeg');
    const recipe = recipeOf(16, 16, 'bilinear');
    for (const [file, native] of [
      ['scans-100.jpg', true],
      ['scans-128.jpg', false],
    ] as const) {
      const bytes = await readFile(join(folder, file));
      const out = new Float32Array(3 * 16 * 16);
      assert.equal(
        await imaging!.decodeJpegTensor!(bytes, 16, 16, 0, null, 0, 16, null, 16, normalisationTable(recipe), 256, 1, out, 0),
        native,
        file,
      );
      const expected = await jsPipeline(bytes, recipe, 'NCHW');
      assert.ok(
        Buffer.from((await preprocessImage(bytes, recipe, 'NCHW')).buffer).equals(Buffer.from(expected.buffer)),
        `${file}: the same tensor either way`,
      );
    }
  },
);

// Where preprocessing time goes per image (read, decode, resample, normalise) on the embed bench's photos, and a fingerprint of the tensors.
//
// Usage: npm run bench -- prep [--images 64] [--rounds 7]
// One image at a time on the main thread (decode runs in libvips' threads and is awaited), so each part's wall time
// is its cost. Per part, in ms per image: the median and the best (least disturbed by other work) round's wall time,
// and the median CPU time of this process (all threads). The fingerprint (sha256 of every tensor, for bilinear, bicubic and nearest, NCHW and NHWC) must not
// change when the pipeline is optimised: the preprocessing is bit-exact with torchvision. With the native addon built
// (native/pil-imaging), preprocessImage resamples and normalises in C; the JavaScript parts are timed regardless, and
// where the addon runs its AVX2 horizontal pass, its portable C is timed too (the same bytes). The read part is the
// embed path's (readImageBytes, confined to the folder, + sha256), into a new buffer per image and into one reused ReadBuffer.
import { configureProcess } from '../src/config/applyConfig.js';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { decodeRgb, type RgbImage } from '../src/imaging/decodeRgb.js';
import { readImageBytes } from '../src/imaging/imageSource.js';
import { loadPilImaging, preprocessingPathName } from '../src/imaging/nativeImaging.js';
import { writeTensor } from '../src/imaging/normalise.js';
import { resizeAndCropRgb } from '../src/imaging/pilResample.js';
import { ReadBuffer } from '../src/imaging/readBuffer.js';
import { DEFAULT_MAX_PIXELS, preprocessImage, type Interpolation, type PreprocessRecipe } from '../src/imaging/preprocess.js';
import { cropGeometry } from '../src/imaging/resizeGeometry.js';
import { tensorPlan } from '../src/imaging/tensorPlan.js';
import { benchCli, loadLine, machineLine, median } from './benchCli.js';
import { ensurePhotoDataset, photoFolder } from './benchData.js';

configureProcess(); // the CORREMBED_* settings, as the commands apply them

const cli = benchCli('bench prep');
const { values } = cli.args({ options: { images: { type: 'string' }, rounds: { type: 'string' } } });
const imageCount = cli.positiveInt('images', values.images, 64);
const rounds = cli.positiveInt('rounds', values.rounds, 7);

/** torchvision's ImageNet recipe of the bench models (ResNet-50, MobileNetV3: resize 232, crop 224). */
const recipe = (interpolation: Interpolation): PreprocessRecipe => ({
  resize: 232,
  crop: 224,
  interpolation,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
});
const BILINEAR = recipe('bilinear');

const folder = photoFolder(await ensurePhotoDataset(imageCount));
const names = (await readdir(folder)).sort();
const files = await Promise.all(names.map((name) => readFile(join(folder, name))));
console.log(`bench prep: ${files.length} photo-like JPEGs, recipe resize ${BILINEAR.resize} crop ${BILINEAR.crop}, ${rounds} rounds`);
console.log(machineLine());
console.log(`start: ${loadLine()}\n`);

const { imaging, vectorCode } = loadPilImaging();
console.log(`preprocessing: ${preprocessingPathName()}`);
type Part = 'read' | 'readReused' | 'decode' | 'resample' | 'normalise' | 'native' | 'portable' | 'preprocessImage';
const LABELS: Record<Part, string> = {
  read: 'read + sha256, a new buffer per image',
  readReused: 'read + sha256 into a reused ReadBuffer',
  decode: 'decode',
  resample: 'resample (JavaScript)',
  normalise: 'normalise (JavaScript)',
  native: `resample + normalise (native${vectorCode ? ', AVX2' : ''})`,
  portable: 'resample + normalise (native, portable C)',
  preprocessImage: 'preprocessImage (all of it)',
};
const parts = (Object.keys(LABELS) as Part[]).filter((part) => (part !== 'native' || imaging) && (part !== 'portable' || vectorCode));
const wall = Object.fromEntries(parts.map((part) => [part, [] as number[]])) as Record<Part, number[]>;
const cpu = Object.fromEntries(parts.map((part) => [part, [] as number[]])) as Record<Part, number[]>;
const scratch = new ReadBuffer();
const readEach = async (buffer?: ReadBuffer) => {
  for (const name of names)
    createHash('sha256')
      .update(await readImageBytes(name, folder, {}, buffer))
      .digest('hex');
};
const out = new Float32Array(3 * BILINEAR.crop * BILINEAR.crop);

async function timed(part: Part, work: () => Promise<void>): Promise<void> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await work();
  wall[part].push((performance.now() - start) / files.length);
  const used = process.cpuUsage(cpuStart);
  cpu[part].push((used.user + used.system) / 1000 / files.length);
}

for (let r = 0; r < rounds + 1; r++) {
  await timed('read', () => readEach());
  await timed('readReused', () => readEach(scratch));
  const decoded: RgbImage[] = [];
  await timed('decode', async () => {
    for (const bytes of files) decoded.push(await decodeRgb(bytes, 'photo', DEFAULT_MAX_PIXELS));
  });
  const pixels: Uint8Array[] = [];
  await timed('resample', async () => {
    for (const image of decoded) {
      const g = cropGeometry(image.width, image.height, BILINEAR.resize, BILINEAR.crop);
      pixels.push(resizeAndCropRgb(image.data, image.width, image.height, g.width, g.height, 'bilinear', g.left, g.top, BILINEAR.crop));
    }
  });
  await timed('normalise', async () => {
    for (const p of pixels) writeTensor(p, BILINEAR, 'NCHW', out, 0);
  });
  const nativeResample = async () => {
    for (const image of decoded)
      imaging!.resizeCropTensor(image.data, image.width, ...tensorPlan(image.width, image.height, BILINEAR, 'NCHW', out, 0));
  };
  if (imaging) await timed('native', nativeResample);
  if (vectorCode) {
    imaging!.useVectorCode(false);
    await timed('portable', nativeResample);
    imaging!.useVectorCode(true);
  }
  await timed('preprocessImage', async () => {
    for (const bytes of files) await preprocessImage(bytes, BILINEAR, 'NCHW', out);
  });
  if (r === 0) for (const part of parts) [wall[part], cpu[part]] = [[], []]; // warm-up round
}

console.log(`${'ms per image'.padEnd(44)} ${'wall'.padStart(8)} ${'best'.padStart(8)} ${'CPU'.padStart(8)}`);
for (const part of parts) {
  console.log(
    `${LABELS[part].padEnd(44)} ${median(wall[part]).toFixed(3).padStart(8)} ${Math.min(...wall[part])
      .toFixed(3)
      .padStart(8)} ${median(cpu[part]).toFixed(3).padStart(8)}`,
  );
}

const hash = createHash('sha256');
for (const interpolation of ['bilinear', 'bicubic', 'nearest'] as const) {
  for (const layout of ['NCHW', 'NHWC'] as const) {
    for (const bytes of files) hash.update(await preprocessImage(bytes, recipe(interpolation), layout));
  }
}
console.log(`\ntensor fingerprint (bilinear, bicubic, nearest x NCHW, NHWC): ${hash.digest('hex').slice(0, 16)}`);
console.log(`end: ${loadLine()}`);
console.log(`\nreproduce: npm run bench -- prep --images ${imageCount} --rounds ${rounds}`);

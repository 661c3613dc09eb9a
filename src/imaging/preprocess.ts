// Turns image bytes into a model's input floats as torchvision does on PIL images: RGB, Resize, CenterCrop, ToTensor, Normalize.
import sharp from 'sharp';
import { UserInputError } from '../errors.js';
import { resizeAndCropRgb } from './pilResample.js';
import type { Layout, PreprocessRecipe } from './recipe.js';
import { cropGeometry } from './resizeGeometry.js';

export { parsePreprocessRecipe, preprocessHash, type Interpolation, type Layout, type PreprocessRecipe } from './recipe.js';

/** Decompression-bomb guard: images with more pixels than this are refused before decoding. */
export const DEFAULT_MAX_PIXELS = 100_000_000;

export interface PreprocessOptions {
  /** How the image is named in error messages (a path or URL). */
  name?: string;
  /** Largest width x height accepted (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
}

interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

function decodeError(name: string, error: unknown, maxPixels: number): UserInputError {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  if (/exceeds pixel limit/i.test(reason)) return new UserInputError(`image ${name}: cannot decode (larger than the limit of ${maxPixels} pixels)`);
  return new UserInputError(`image ${name}: cannot decode (${reason})`);
}

/** PIL's CMYK to RGB (Convert.c cmyk2rgb): each ink scaled by the key's complement, no colour management. */
function cmykToRgb(cmyk: Buffer): Buffer {
  const rgb = Buffer.alloc((cmyk.length / 4) * 3);
  for (let i = 0, o = 0; i < cmyk.length; i += 4) {
    const nk = 255 - cmyk[i + 3];
    for (let c = 0; c < 3; c++, o++) {
      const t = cmyk[i + c] * nk + 128; // MULDIV255
      rgb[o] = nk - (((t >> 8) + t) >> 8);
    }
  }
  return rgb;
}

/**
 * Decodes the first frame/page to 8-bit RGB the way PIL's `convert('RGB')` does: alpha is dropped without
 * compositing, grey is replicated, CMYK is inverted naively, and like PIL no embedded ICC profile or EXIF
 * orientation is applied.
 */
async function decodeRgb(bytes: Buffer, name: string, maxPixels: number): Promise<RgbImage> {
  try {
    const input = () => sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error', ignoreIcc: true, pages: 1 }).removeAlpha();
    if ((await input().metadata()).space === 'cmyk') {
      // libvips would convert CMYK through a built-in ICC profile; PIL's arithmetic needs the raw inks.
      const { data, info } = await input().pipelineColourspace('cmyk').toColourspace('cmyk').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
      return { data: cmykToRgb(data), width: info.width, height: info.height };
    }
    const { data, info } = await input().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (error) {
    throw decodeError(name, error, maxPixels);
  }
}

/** Per channel, the value of every byte after ToTensor and Normalize, in float32 steps as torch computes them. */
function normalisationTables(recipe: PreprocessRecipe): Float32Array[] {
  return [0, 1, 2].map((c) => {
    const mean = Math.fround(recipe.mean[c]);
    const std = Math.fround(recipe.std[c]);
    return Float32Array.from({ length: 256 }, (_, v) => Math.fround(Math.fround(v / 255) - mean) / std);
  });
}

function writeTensor(pixels: Uint8Array, recipe: PreprocessRecipe, layout: Layout, out: Float32Array, offset: number): void {
  const tables = normalisationTables(recipe);
  const area = recipe.crop * recipe.crop;
  if (layout === 'NHWC') {
    for (let i = 0; i < area * 3; i++) out[offset + i] = tables[i % 3][pixels[i]];
    return;
  }
  for (let c = 0; c < 3; c++) {
    const table = tables[c];
    const base = offset + c * area;
    for (let i = 0; i < area; i++) out[base + i] = table[pixels[i * 3 + c]];
  }
}

/**
 * Preprocesses one image into 3 x crop x crop floats (NCHW or NHWC) at `offset` of `out` (a new array when
 * omitted) and returns that array. Corrupt, unsupported or oversized images throw a UserInputError.
 */
export async function preprocessImage(
  bytes: Buffer,
  recipe: PreprocessRecipe,
  layout: Layout,
  out?: Float32Array,
  offset = 0,
  options: PreprocessOptions = {},
): Promise<Float32Array> {
  const size = 3 * recipe.crop * recipe.crop;
  const target = out ?? new Float32Array(size);
  if (!Number.isInteger(offset) || offset < 0 || offset + size > target.length) {
    throw new RangeError(`preprocessImage: ${size} floats do not fit at offset ${offset} of an array of ${target.length}`);
  }
  const name = options.name ?? 'image';
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const image = await decodeRgb(bytes, name, maxPixels);
  const g = cropGeometry(image.width, image.height, recipe.resize, recipe.crop);
  const pixels = resizeAndCropRgb(image.data, image.width, image.height, g.width, g.height, recipe.interpolation, g.left, g.top, recipe.crop);
  writeTensor(pixels, recipe, layout, target, offset);
  return target;
}

// Turns image bytes into a model's input floats as torchvision does on PIL images: RGB, Resize, CenterCrop, ToTensor, Normalize.
import { decodeRgb } from './decodeRgb.js';
import { writeTensor } from './normalise.js';
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

// Turns image bytes into a model's input floats as torchvision does on PIL images: RGB, Resize, CenterCrop, ToTensor, Normalize.
import { decodeRgb } from './decodeRgb.js';
import { jpegFrame } from './jpegFrame.js';
import { loadPilImaging, type PilImaging } from './nativeImaging.js';
import { writeTensor } from './normalise.js';
import { resizeAndCropRgb } from './pilResample.js';
import type { Layout, PreprocessRecipe } from './recipe.js';
import { cropGeometry } from './resizeGeometry.js';
import { tensorPlan } from './tensorPlan.js';

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
  const { imaging } = loadPilImaging();
  if (imaging !== null && recipe.interpolation !== 'nearest') {
    await nativePreprocess(imaging, bytes, recipe, layout, target, offset, name, maxPixels);
    return target;
  }
  const image = await decodeRgb(bytes, name, maxPixels);
  const g = cropGeometry(image.width, image.height, recipe.resize, recipe.crop);
  const pixels = resizeAndCropRgb(
    image.data,
    image.width,
    image.height,
    g.width,
    g.height,
    recipe.interpolation,
    g.left,
    g.top,
    recipe.crop,
  );
  writeTensor(pixels, recipe, layout, target, offset);
  return target;
}

/**
 * The same bits as the JavaScript passes, at a fraction of their CPU time (native/pil-imaging): clean grey and YCbCr
 * JPEGs are decoded by libjpeg in the addon; other images, and JPEGs it turns down, are decoded by sharp.
 */
async function nativePreprocess(
  imaging: PilImaging,
  bytes: Buffer,
  recipe: PreprocessRecipe,
  layout: Layout,
  out: Float32Array,
  offset: number,
  name: string,
  maxPixels: number,
): Promise<void> {
  const frame = imaging.decodeJpegTensor === undefined ? undefined : jpegFrame(bytes);
  if (
    frame !== undefined &&
    (frame.components === 1 || frame.components === 3) &&
    frame.height > 0 &&
    frame.width * frame.height <= maxPixels
  ) {
    if (
      await imaging.decodeJpegTensor!(
        bytes,
        frame.width,
        frame.height,
        ...tensorPlan(frame.width, frame.height, recipe, layout, out, offset),
      )
    )
      return;
  }
  const image = await decodeRgb(bytes, name, maxPixels);
  imaging.resizeCropTensor(image.data, image.width, ...tensorPlan(image.width, image.height, recipe, layout, out, offset));
}

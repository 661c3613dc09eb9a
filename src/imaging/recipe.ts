// The preprocessing recipe of a model (torchvision Resize + CenterCrop + Normalize): its type, validation and hash.
import { createHash } from 'node:crypto';
import { UserInputError } from '../errors.js';

export const INTERPOLATIONS = ['bilinear', 'bicubic', 'nearest'] as const;
export type Interpolation = (typeof INTERPOLATIONS)[number];

export interface PreprocessRecipe {
  /** The shorter side is resized to this many pixels (torchvision `Resize(resize)`). */
  resize: number;
  /** Side of the centred square crop taken after resizing (torchvision `CenterCrop(crop)`). */
  crop: number;
  interpolation: Interpolation;
  mean: [number, number, number];
  std: [number, number, number];
}

/** Memory layout of the float tensor handed to the model. */
export const LAYOUTS = ['NCHW', 'NHWC'] as const;
export type Layout = (typeof LAYOUTS)[number];

/** Largest resize/crop accepted: far beyond any ImageNet model, small enough to keep tensors sane. */
export const MAX_SIDE = 4096;

/** Bumped whenever the pixel pipeline changes, so cached embeddings of the old pipeline stop matching. */
const PIPELINE_VERSION = 'torchvision-pil-v2/sharp'; // v2: CMYK converted as PIL does

const FIELDS = new Set(['resize', 'crop', 'interpolation', 'mean', 'std']);

function fail(message: string): never {
  throw new UserInputError(`preprocess: ${message}`);
}

function side(value: unknown, key: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_SIDE) {
    fail(`"${key}" must be an integer number of pixels between 1 and ${MAX_SIDE} (got ${JSON.stringify(value)})`);
  }
  return value;
}

function triple(value: unknown, key: string, positive: boolean): [number, number, number] {
  const ok =
    Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'number' && Number.isFinite(v) && (!positive || v > 0));
  if (!ok)
    fail(`"${key}" must be an array of 3 finite${positive ? ' positive' : ''} numbers, one per RGB channel (got ${JSON.stringify(value)})`);
  return [value[0], value[1], value[2]];
}

/** Validates a recipe from JSON; unknown fields are refused so that typos do not pass silently. */
export function parsePreprocessRecipe(json: unknown): PreprocessRecipe {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    fail('must be an object { resize, crop, interpolation, mean, std }');
  const input = json as Record<string, unknown>;
  const unknown = Object.keys(input).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) fail(`unknown field ${unknown.map((k) => `"${k}"`).join(', ')} (fields: ${[...FIELDS].join(', ')})`);
  const resize = side(input.resize, 'resize');
  const crop = side(input.crop, 'crop');
  if (crop > resize) fail(`"crop" (${crop}) must not exceed "resize" (${resize})`);
  const interpolation = input.interpolation;
  if (typeof interpolation !== 'string' || !INTERPOLATIONS.includes(interpolation as Interpolation)) {
    fail(`"interpolation" must be one of ${INTERPOLATIONS.map((i) => `"${i}"`).join(', ')} (got ${JSON.stringify(interpolation)})`);
  }
  return {
    resize,
    crop,
    interpolation: interpolation as Interpolation,
    mean: triple(input.mean, 'mean', false),
    std: triple(input.std, 'std', true),
  };
}

/** Canonical JSON of a recipe (fixed key order), the part of the cache keys that the recipe decides. */
export function canonicalRecipe(recipe: PreprocessRecipe): string {
  const { resize, crop, interpolation, mean, std } = recipe;
  return JSON.stringify({ pipeline: PIPELINE_VERSION, resize, crop, interpolation, mean, std });
}

/** sha256 of the canonical recipe and the layout: everything that shapes the input tensor, an embedding cache key. */
export function preprocessHash(recipe: PreprocessRecipe, layout: Layout): string {
  return createHash('sha256')
    .update(`${canonicalRecipe(recipe)}|${layout}`)
    .digest('hex');
}

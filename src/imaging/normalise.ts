// ToTensor + Normalize of interleaved RGB bytes into a float tensor (NCHW or NHWC), in float32 steps as torch computes them.
import type { Layout, PreprocessRecipe } from './recipe.js';

/** Tables of the recipes seen, by mean and std: a few per process. */
const tableCache = new Map<string, Float32Array[]>();

/** Per channel, the value of every byte after ToTensor and Normalize, in float32 steps as torch computes them. */
function normalisationTables(recipe: PreprocessRecipe): Float32Array[] {
  const key = `${recipe.mean.join()}|${recipe.std.join()}`;
  let tables = tableCache.get(key);
  if (tables === undefined) {
    tables = [0, 1, 2].map((c) => {
      const mean = Math.fround(recipe.mean[c]);
      const std = Math.fround(recipe.std[c]);
      return Float32Array.from({ length: 256 }, (_, v) => Math.fround(Math.fround(v / 255) - mean) / std);
    });
    tableCache.set(key, tables);
  }
  return tables;
}

/** Writes the crop x crop RGB `pixels` as 3 x crop x crop floats at `offset` of `out`, reading the pixels once. */
export function writeTensor(pixels: Uint8Array, recipe: PreprocessRecipe, layout: Layout, out: Float32Array, offset: number): void {
  const [red, green, blue] = normalisationTables(recipe);
  const area = recipe.crop * recipe.crop;
  // Where channel c of pixel i goes: offset + c * channelStep + i * pixelStep.
  const [channelStep, pixelStep] = layout === 'NHWC' ? [1, 3] : [area, 1];
  for (let i = 0, p = 0, o = offset; i < area; i++, p += 3, o += pixelStep) {
    out[o] = red[pixels[p]];
    out[o + channelStep] = green[pixels[p + 1]];
    out[o + 2 * channelStep] = blue[pixels[p + 2]];
  }
}

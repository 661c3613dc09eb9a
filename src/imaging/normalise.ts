// ToTensor + Normalize of interleaved RGB bytes into a float tensor (NCHW or NHWC), in float32 steps as torch computes them.
import type { Layout, PreprocessRecipe } from './recipe.js';

/** Tables of the recipes seen, by mean and std: a few per process. */
const tableCache = new Map<string, Float32Array>();

/** The value of every byte after ToTensor and Normalize, in float32 steps as torch computes them: 256 floats per channel. */
export function normalisationTable(recipe: PreprocessRecipe): Float32Array {
  const key = `${recipe.mean.join()}|${recipe.std.join()}`;
  let table = tableCache.get(key);
  if (table === undefined) {
    table = new Float32Array(768);
    for (let c = 0; c < 3; c++) {
      const mean = Math.fround(recipe.mean[c]);
      const std = Math.fround(recipe.std[c]);
      for (let v = 0; v < 256; v++) table[c * 256 + v] = Math.fround(Math.fround(v / 255) - mean) / std;
    }
    tableCache.set(key, table);
  }
  return table;
}

/** Where channel c of crop pixel i goes in a tensor of `layout`: offset + c * channelStep + i * pixelStep. */
export function tensorSteps(layout: Layout, crop: number): { channelStep: number; pixelStep: number } {
  return layout === 'NHWC' ? { channelStep: 1, pixelStep: 3 } : { channelStep: crop * crop, pixelStep: 1 };
}

/** Writes the crop x crop RGB `pixels` as 3 x crop x crop floats at `offset` of `out`, reading the pixels once. */
export function writeTensor(pixels: Uint8Array, recipe: PreprocessRecipe, layout: Layout, out: Float32Array, offset: number): void {
  const table = normalisationTable(recipe);
  const area = recipe.crop * recipe.crop;
  const { channelStep, pixelStep } = tensorSteps(layout, recipe.crop);
  for (let i = 0, p = 0, o = offset; i < area; i++, p += 3, o += pixelStep) {
    out[o] = table[pixels[p]];
    out[o + channelStep] = table[256 + pixels[p + 1]];
    out[o + 2 * channelStep] = table[512 + pixels[p + 2]];
  }
}

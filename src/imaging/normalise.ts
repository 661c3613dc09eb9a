// ToTensor + Normalize of interleaved RGB bytes into a float tensor (NCHW or NHWC), in float32 steps as torch computes them.
import type { Layout, PreprocessRecipe } from './recipe.js';

/** Per channel, the value of every byte after ToTensor and Normalize, in float32 steps as torch computes them. */
function normalisationTables(recipe: PreprocessRecipe): Float32Array[] {
  return [0, 1, 2].map((c) => {
    const mean = Math.fround(recipe.mean[c]);
    const std = Math.fround(recipe.std[c]);
    return Float32Array.from({ length: 256 }, (_, v) => Math.fround(Math.fround(v / 255) - mean) / std);
  });
}

/** Writes the crop x crop RGB `pixels` as 3 x crop x crop floats at `offset` of `out`. */
export function writeTensor(pixels: Uint8Array, recipe: PreprocessRecipe, layout: Layout, out: Float32Array, offset: number): void {
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

// PIL's Image.resize (what torchvision's Resize runs on PIL images), bit for bit, evaluated only inside the centre crop.
import type { Interpolation } from './recipe.js';

/** PIL keeps 22 fractional bits in its 8-bit convolution (32 - 8 - 2). */
const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);

interface Filter {
  support: number;
  weight: (x: number) => number;
}

const FILTERS: Record<'bilinear' | 'bicubic', Filter> = {
  bilinear: {
    support: 1,
    weight: (x) => {
      const a = Math.abs(x);
      return a < 1 ? 1 - a : 0;
    },
  },
  bicubic: {
    support: 2,
    // Keys' cubic convolution with a = -0.5, as PIL writes it.
    weight: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
};

/**
 * Taps of outputs [first, first + count): source start, tap count and fixed-point weights (PIL's precompute_coeffs),
 * views into `packed` = [count, ksize, start[count], length[count], weights[count * ksize]], the native addon's form.
 */
export interface Taps {
  start: Int32Array;
  length: Int32Array;
  ksize: number;
  weights: Int32Array;
  packed: Int32Array;
}

function precomputeTaps(inSize: number, outSize: number, filter: Filter, first: number, count: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const ss = 1 / filterScale;
  const packed = new Int32Array(2 + count * (2 + ksize));
  packed[0] = count;
  packed[1] = ksize;
  const start = packed.subarray(2, 2 + count);
  const length = packed.subarray(2 + count, 2 + 2 * count);
  const weights = packed.subarray(2 + 2 * count);
  const k = new Float64Array(ksize);
  for (let i = 0; i < count; i++) {
    const center = (first + i + 0.5) * scale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = filter.weight((x + xmin - center + 0.5) * ss);
      sum += k[x];
    }
    for (let x = 0; x < xmax; x++) {
      const w = sum !== 0 ? k[x] / sum : k[x];
      weights[i * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * (1 << PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    start[i] = xmin;
    length[i] = xmax;
  }
  return { start, length, ksize, weights, packed };
}

/** PIL's nearest neighbour (ImagingScaleAffine): source index of outputs [first, first + count), accumulated as PIL does. */
function nearestIndex(inSize: number, outSize: number, first: number, count: number): Int32Array {
  const step = inSize / outSize;
  const index = new Int32Array(count);
  let position = step * 0.5;
  for (let i = 0; i < first + count; i++, position += step) {
    if (i < first) continue;
    const source = position < 0 ? -1 : Math.trunc(position);
    index[i - first] = source < inSize ? source : -1;
  }
  return index;
}

function resampleNearest(
  src: Uint8Array,
  width: number,
  height: number,
  outW: number,
  outH: number,
  left: number,
  top: number,
  crop: number,
): Uint8Array {
  const xs = nearestIndex(width, outW, left, crop);
  const ys = nearestIndex(height, outH, top, crop);
  const out = new Uint8Array(crop * crop * 3);
  for (let y = 0; y < crop; y++) {
    const sy = ys[y];
    if (sy < 0) continue;
    for (let x = 0; x < crop; x++) {
      const sx = xs[x];
      if (sx < 0) continue;
      const s = (sy * width + sx) * 3;
      const o = (y * crop + x) * 3;
      out[o] = src[s];
      out[o + 1] = src[s + 1];
      out[o + 2] = src[s + 2];
    }
  }
  return out;
}

/** What a bilinear or bicubic resize + crop computes: the crop's column and row taps, and the source rows it reads. */
export interface ResamplePlan {
  /** Taps of the crop's columns; null when the width is unchanged (the columns are copied from `left`). */
  horizontal: Taps | null;
  /** Taps of the crop's rows; null when the height is unchanged (rows are the crop's own, from `rowFirst`). */
  vertical: Taps | null;
  left: number;
  rowFirst: number;
  rows: number;
  crop: number;
}

/** The plan of resizing width x height to outW x outH and keeping the crop x crop window at (left, top). */
export function planResample(
  width: number,
  height: number,
  outW: number,
  outH: number,
  interpolation: 'bilinear' | 'bicubic',
  left: number,
  top: number,
  crop: number,
): ResamplePlan {
  const filter = FILTERS[interpolation];
  const horizontal = outW === width ? null : precomputeTaps(width, outW, filter, left, crop);
  if (outH === height) return { horizontal, vertical: null, left, rowFirst: top, rows: crop, crop };
  const vertical = precomputeTaps(height, outH, filter, top, crop);
  const rowFirst = vertical.start[0];
  const rowEnd = vertical.start[crop - 1] + vertical.length[crop - 1];
  return { horizontal, vertical, left, rowFirst, rows: rowEnd - rowFirst, crop };
}

/** Horizontal pass over the plan's source rows, outputs [left, left + crop): int32 sums as PIL's. */
function horizontal(src: Uint8Array, width: number, plan: ResamplePlan): Uint8ClampedArray {
  const { rowFirst, rows, left, crop } = plan;
  const stride = crop * 3;
  const out = new Uint8ClampedArray(rows * stride);
  if (plan.horizontal === null) {
    for (let r = 0; r < rows; r++) {
      const s = ((rowFirst + r) * width + left) * 3;
      out.set(src.subarray(s, s + stride), r * stride);
    }
    return out;
  }
  const { start, length, ksize, weights } = plan.horizontal;
  for (let r = 0, o = 0; r < rows; r++) {
    const rowBase = (rowFirst + r) * width * 3;
    for (let x = 0; x < crop; x++) {
      let s = rowBase + start[x] * 3;
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      for (let k = x * ksize, end = k + length[x]; k < end; k++, s += 3) {
        const w = weights[k];
        s0 = (s0 + Math.imul(src[s], w)) | 0;
        s1 = (s1 + Math.imul(src[s + 1], w)) | 0;
        s2 = (s2 + Math.imul(src[s + 2], w)) | 0;
      }
      // A clamped array's store is PIL's clip8 on the shifted sum.
      out[o++] = s0 >> PRECISION_BITS;
      out[o++] = s1 >> PRECISION_BITS;
      out[o++] = s2 >> PRECISION_BITS;
    }
  }
  return out;
}

/** Vertical pass: output row y sums taps.length[y] rows of `rows` (which start at source row rowFirst), two rows per sweep. */
function vertical(rows: Uint8ClampedArray, taps: Taps, rowFirst: number, crop: number): Uint8ClampedArray {
  const stride = crop * 3;
  const out = new Uint8ClampedArray(crop * stride);
  const sums = new Int32Array(stride);
  const { start, length, ksize, weights } = taps;
  for (let y = 0; y < crop; y++) {
    sums.fill(HALF);
    const k = y * ksize;
    const n = length[y];
    let row = (start[y] - rowFirst) * stride;
    let t = 0;
    for (; t + 1 < n; t += 2, row += 2 * stride) {
      const w0 = weights[k + t];
      const w1 = weights[k + t + 1];
      const next = row + stride;
      for (let i = 0; i < stride; i++) sums[i] = (sums[i] + Math.imul(rows[row + i], w0) + Math.imul(rows[next + i], w1)) | 0;
    }
    if (t < n) {
      const w = weights[k + t];
      for (let i = 0; i < stride; i++) sums[i] = (sums[i] + Math.imul(rows[row + i], w)) | 0;
    }
    const o = y * stride;
    for (let i = 0; i < stride; i++) out[o + i] = sums[i] >> PRECISION_BITS;
  }
  return out;
}

/** The same bytes as a Uint8Array (no copy), the type callers take. */
function asBytes(clamped: Uint8ClampedArray): Uint8Array {
  return new Uint8Array(clamped.buffer, clamped.byteOffset, clamped.length);
}

/**
 * Resizes an interleaved 8-bit RGB image to outW x outH with PIL's algorithm (antialiased: the kernel widens by
 * the downscale factor; 8-bit rounding between the horizontal and the vertical pass) and returns only the
 * crop x crop window at (left, top), identical to resizing everything and cropping afterwards.
 */
export function resizeAndCropRgb(
  src: Uint8Array,
  width: number,
  height: number,
  outW: number,
  outH: number,
  interpolation: Interpolation,
  left: number,
  top: number,
  crop: number,
): Uint8Array {
  if (interpolation === 'nearest') return resampleNearest(src, width, height, outW, outH, left, top, crop);
  const plan = planResample(width, height, outW, outH, interpolation, left, top, crop);
  const rows = horizontal(src, width, plan);
  return asBytes(plan.vertical === null ? rows : vertical(rows, plan.vertical, plan.rowFirst, crop));
}

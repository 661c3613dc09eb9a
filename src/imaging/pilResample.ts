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

/** Taps of outputs [first, first + count): source start, tap count and fixed-point weights (PIL's precompute_coeffs). */
interface Taps {
  start: Int32Array;
  length: Int32Array;
  ksize: number;
  weights: Int32Array;
}

function precomputeTaps(inSize: number, outSize: number, filter: Filter, first: number, count: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const ss = 1 / filterScale;
  const start = new Int32Array(count);
  const length = new Int32Array(count);
  const weights = new Int32Array(count * ksize);
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
  return { start, length, ksize, weights };
}

function clip8(sum: number): number {
  const v = sum >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
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

function resampleNearest(src: Uint8Array, width: number, height: number, outW: number, outH: number, left: number, top: number, crop: number): Uint8Array {
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

/** Horizontal pass over source rows [rowFirst, rowFirst + rows), outputs [left, left + crop). */
function horizontal(src: Uint8Array, width: number, outW: number, filter: Filter, rowFirst: number, rows: number, left: number, crop: number): Uint8Array {
  const out = new Uint8Array(rows * crop * 3);
  if (outW === width) {
    for (let r = 0; r < rows; r++) {
      const s = ((rowFirst + r) * width + left) * 3;
      out.set(src.subarray(s, s + crop * 3), r * crop * 3);
    }
    return out;
  }
  const taps = precomputeTaps(width, outW, filter, left, crop);
  for (let r = 0; r < rows; r++) {
    const rowBase = (rowFirst + r) * width * 3;
    for (let x = 0; x < crop; x++) {
      const n = taps.length[x];
      const kBase = x * taps.ksize;
      let s = rowBase + taps.start[x] * 3;
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      for (let t = 0; t < n; t++, s += 3) {
        const w = taps.weights[kBase + t];
        s0 += src[s] * w;
        s1 += src[s + 1] * w;
        s2 += src[s + 2] * w;
      }
      const o = (r * crop + x) * 3;
      out[o] = clip8(s0);
      out[o + 1] = clip8(s1);
      out[o + 2] = clip8(s2);
    }
  }
  return out;
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
  const filter = FILTERS[interpolation];
  if (outH === height) return horizontal(src, width, outW, filter, top, crop, left, crop);
  const taps = precomputeTaps(height, outH, filter, top, crop);
  const rowFirst = taps.start[0];
  const rowEnd = taps.start[crop - 1] + taps.length[crop - 1];
  const rows = horizontal(src, width, outW, filter, rowFirst, rowEnd - rowFirst, left, crop);
  const out = new Uint8Array(crop * crop * 3);
  const stride = crop * 3;
  const sums = new Float64Array(stride);
  for (let y = 0; y < crop; y++) {
    sums.fill(HALF);
    for (let t = 0; t < taps.length[y]; t++) {
      const w = taps.weights[y * taps.ksize + t];
      const row = (taps.start[y] - rowFirst + t) * stride;
      for (let i = 0; i < stride; i++) sums[i] += rows[row + i] * w;
    }
    for (let i = 0; i < stride; i++) out[y * stride + i] = clip8(sums[i]);
  }
  return out;
}

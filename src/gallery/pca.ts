// Principal components of a row-major matrix by seeded randomized subspace iteration: the top axes, coordinates and explained variance.
import { createRng } from '../metric/random.js';

export interface PcaResult {
  /** The number of axes computed: min(requested, rows, dim). */
  axes: number;
  /** Row-major rows x axes: each row's coordinates on the axes (the rows mean-centred first). */
  coordinates: Float64Array;
  /** Each axis's share of the total variance, largest first (0 when the rows do not vary). */
  explainedVariance: number[];
}

export interface PcaOptions {
  axes?: number;
  seed?: number;
  /** Subspace iterations (each two passes over the matrix). */
  iterations?: number;
}

/** Extra basis vectors carried alongside the wanted axes: they make the iteration converge faster. */
const OVERSAMPLING = 4;

/**
 * The products of row i of X (row-major, rows x dim) with the l columns of B (each stored contiguously, dim long),
 * into `dots`. Columns go in pairs, so each element of the row is loaded once per two products.
 */
function rowTimes(x: Float32Array, i: number, dim: number, b: Float64Array, l: number, dots: Float64Array): void {
  const xi = i * dim;
  for (let j = 0; j < l; j += 2) {
    const b0 = j * dim;
    const b1 = j + 1 < l ? b0 + dim : b0;
    let dot0 = 0;
    let dot1 = 0;
    for (let k = 0; k < dim; k++) {
      const v = x[xi + k];
      dot0 += v * b[b0 + k];
      dot1 += v * b[b1 + k];
    }
    dots[j] = dot0;
    if (j + 1 < l) dots[j + 1] = dot1;
  }
}

/** Y = X B, the l columns of Y stored contiguously (rows long). */
function multiply(x: Float32Array, rows: number, dim: number, b: Float64Array, l: number): Float64Array {
  const y = new Float64Array(l * rows);
  const dots = new Float64Array(l);
  for (let i = 0; i < rows; i++) {
    rowTimes(x, i, dim, b, l, dots);
    for (let j = 0; j < l; j++) y[j * rows + i] = dots[j];
  }
  return y;
}

/**
 * X^T X B, row by row: each row's products with B, then the row scaled by them added to the result, while the row
 * is still in cache (one pass over X instead of two).
 */
function gramTimes(x: Float32Array, rows: number, dim: number, b: Float64Array, l: number): Float64Array {
  const out = new Float64Array(l * dim);
  const dots = new Float64Array(l);
  for (let i = 0; i < rows; i++) {
    rowTimes(x, i, dim, b, l, dots);
    const xi = i * dim;
    for (let j = 0; j < l; j += 2) {
      const o0 = j * dim;
      // An odd last column pairs with itself, weighted 0 the second time.
      const o1 = j + 1 < l ? o0 + dim : o0;
      const w0 = dots[j];
      const w1 = j + 1 < l ? dots[j + 1] : 0;
      for (let k = 0; k < dim; k++) {
        const v = x[xi + k];
        out[o0 + k] += w0 * v;
        out[o1 + k] += w1 * v;
      }
    }
  }
  return out;
}

/** Orthonormalises l contiguous columns of length n in place (modified Gram-Schmidt); dependent columns become 0. */
function orthonormalise(m: Float64Array, n: number, l: number): void {
  const columnNorm = (j: number): number => {
    let sumSq = 0;
    for (let k = j * n; k < (j + 1) * n; k++) sumSq += m[k] * m[k];
    return Math.sqrt(sumSq);
  };
  for (let j = 0; j < l; j++) {
    const before = columnNorm(j);
    for (let p = 0; p < j; p++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += m[j * n + k] * m[p * n + k];
      for (let k = 0; k < n; k++) m[j * n + k] -= dot * m[p * n + k];
    }
    // What is left of a column that depends on the ones before it is rounding noise.
    const norm = columnNorm(j);
    const inverse = norm > 1e-10 * before ? 1 / norm : 0;
    for (let k = j * n; k < (j + 1) * n; k++) m[k] *= inverse;
  }
}

/** Eigenvalues (descending) and eigenvectors (columns of a row-major n x n matrix) of a symmetric matrix, by cyclic Jacobi rotations. */
function symmetricEigen(a: Float64Array, n: number): { values: number[]; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p];
          const mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k];
          const mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j] - m[i * n + i] || i - j);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    for (let k = 0; k < n; k++) vectors[k * n + to] = v[k * n + from];
  });
  return { values: order.map((i) => m[i * n + i]), vectors };
}

/**
 * The top principal axes of `rows` vectors of dimension `dim` (row-major float32): the rows are mean-centred, a
 * seeded random basis is refined by subspace iteration, and the axes are the Rayleigh-Ritz vectors of the result.
 * The same input gives the same output; each axis's sign makes its largest-magnitude loading positive.
 */
export function principalComponents(data: Float32Array, rows: number, dim: number, options: PcaOptions = {}): PcaResult {
  const axes = Math.max(0, Math.min(options.axes ?? 2, rows, dim));
  const l = Math.min(axes + OVERSAMPLING, rows, dim);
  const mean = new Float64Array(dim);
  for (let i = 0; i < rows; i++) for (let k = 0; k < dim; k++) mean[k] += data[i * dim + k];
  for (let k = 0; k < dim; k++) mean[k] /= Math.max(rows, 1);
  // Centred in float32: half the memory traffic of the passes, far more precision than a plot needs.
  const x = new Float32Array(rows * dim);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < dim; k++) {
      const v = Math.fround(data[i * dim + k] - mean[k]);
      x[i * dim + k] = v;
      total += v * v;
    }
  }
  const rng = createRng(options.seed ?? 0);
  let basis: Float64Array = Float64Array.from({ length: l * dim }, () => rng.next() * 2 - 1);
  orthonormalise(basis, dim, l);
  for (let it = 0; it < (options.iterations ?? 4); it++) {
    basis = gramTimes(x, rows, dim, basis, l);
    orthonormalise(basis, dim, l);
  }
  // Rayleigh-Ritz: the eigenvectors of Y^T Y (Y = X B) rotate B onto the axes; its eigenvalues are their sums of squares.
  const y = multiply(x, rows, dim, basis, l);
  const gram = new Float64Array(l * l);
  for (let a = 0; a < l; a++) {
    for (let b = 0; b < l; b++) {
      let dot = 0;
      for (let i = 0; i < rows; i++) dot += y[a * rows + i] * y[b * rows + i];
      gram[a * l + b] = dot;
    }
  }
  const { values, vectors } = symmetricEigen(gram, l);
  const coordinates = new Float64Array(rows * axes);
  for (let j = 0; j < axes; j++) {
    // The axis in the original space is B times the eigenvector: flip it so that its largest loading is positive.
    let largest = 0;
    for (let k = 0; k < dim; k++) {
      let loading = 0;
      for (let a = 0; a < l; a++) loading += basis[a * dim + k] * vectors[a * l + j];
      if (Math.abs(loading) > Math.abs(largest) + 1e-12) largest = loading;
    }
    const sign = largest < 0 ? -1 : 1;
    for (let i = 0; i < rows; i++) {
      let c = 0;
      for (let a = 0; a < l; a++) c += y[a * rows + i] * vectors[a * l + j];
      coordinates[i * axes + j] = sign * c;
    }
  }
  return { axes, coordinates, explainedVariance: values.slice(0, axes).map((v) => (total > 0 ? Math.min(1, Math.max(0, v) / total) : 0)) };
}

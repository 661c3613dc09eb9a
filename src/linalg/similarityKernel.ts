// The contract for computing query-by-target dot products in blocks (cosines, given unit-norm rows).

/** Row-major matrices in single or double precision; a kernel keeps the precision of its targets. */
export type FloatArray = Float32Array | Float64Array;

/** Multiplies blocks of query rows against a fixed target matrix: out[b, m] = <query_b, target_m>. */
export interface SimilarityKernel {
  readonly targetRows: number;
  /**
   * `queries` is row-major count x dim; resolves to a row-major count x targetRows matrix, which the kernel may
   * overwrite from the second multiply after this one (so one product can be read while the next is computed).
   * `position` is the first query's position in its pass (default 0): a kernel whose sums round by a row's place in
   * its block uses it, so a query gets the same products however the pass is cut into blocks, chunks and shards.
   */
  multiply(queries: FloatArray, count: number, position?: number): Promise<FloatArray>;
  close(): Promise<void>;
}

/** Creates a kernel over a row-major rows x dim target matrix (which the kernel may keep a reference to). */
export type SimilarityKernelFactory = (targets: FloatArray, rows: number, dim: number) => Promise<SimilarityKernel>;

// The contract for computing query-by-target dot products in blocks (cosines, given unit-norm rows).

/** Multiplies blocks of query rows against a fixed target matrix: out[b, m] = <query_b, target_m>. */
export interface SimilarityKernel {
  readonly targetRows: number;
  /** `queries` is row-major count x dim; resolves to a row-major count x targetRows matrix. */
  multiply(queries: Float32Array, count: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Creates a kernel over a row-major rows x dim target matrix (which the kernel may keep a reference to). */
export type SimilarityKernelFactory = (targets: Float32Array, rows: number, dim: number) => Promise<SimilarityKernel>;

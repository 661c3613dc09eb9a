// SimilarityKernel backed by onnxruntime-node's CPU Gemm (MLAS): a multithreaded SGEMM reachable from TypeScript.
import * as ort from 'onnxruntime-node';
import { buildOnnxModel, ONNX_DOUBLE, ONNX_FLOAT } from './onnxGraph.js';
import type { FloatArray, SimilarityKernel } from './similarityKernel.js';

function gemmTransBModel(dim: number, elemType: number): Uint8Array {
  return buildOnnxModel({
    name: 'query_target_similarity',
    inputs: [
      { name: 'queries', elemType, shape: ['batch', dim] },
      { name: 'targets', elemType, shape: ['rows', dim] },
    ],
    outputs: [{ name: 'similarity', elemType, shape: ['batch', 'rows'] }],
    nodes: [{ opType: 'Gemm', inputs: ['queries', 'targets'], outputs: ['similarity'], attributes: [{ name: 'transB', int: 1 }] }],
  });
}

/** A session computing queries x targets^T for rows of `dim` values (targets are an input, bound per kernel); threads 0: onnxruntime's choice (one per physical core). */
export function createGemmSession(dim: number, double: boolean, threads = 0): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(gemmTransBModel(dim, double ? ONNX_DOUBLE : ONNX_FLOAT), {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // Spinning pool threads would steal the core the scoring loops run on between blocks.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
}

/** A kernel over an open session and a target matrix; closing it releases the session. */
export function kernelOnSession(session: ort.InferenceSession, targets: FloatArray, rows: number, dim: number): SimilarityKernel {
  const type = targets instanceof Float64Array ? 'float64' : 'float32';
  // onnxruntime-node refuses shared memory, so a shared target matrix is copied once per kernel.
  const owned = targets.buffer instanceof SharedArrayBuffer ? targets.slice() : targets;
  const targetTensor = new ort.Tensor(type, owned, [rows, dim]);
  return {
    targetRows: rows,
    async multiply(queries, count) {
      const queryTensor = new ort.Tensor(type, queries.subarray(0, count * dim), [count, dim]);
      const result = await session.run({ queries: queryTensor, targets: targetTensor });
      return result.similarity.data as FloatArray;
    },
    close: () => session.release(),
  };
}

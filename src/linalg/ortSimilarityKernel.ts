// SimilarityKernel backed by onnxruntime-node's CPU Gemm (MLAS): a multithreaded SGEMM reachable from TypeScript.
import * as ort from 'onnxruntime-node';
import { buildOnnxModel, ONNX_FLOAT } from './onnxGraph.js';
import type { SimilarityKernel, SimilarityKernelFactory } from './similarityKernel.js';

function gemmTransBModel(dim: number): Uint8Array {
  return buildOnnxModel({
    name: 'query_target_similarity',
    inputs: [
      { name: 'queries', elemType: ONNX_FLOAT, shape: ['batch', dim] },
      { name: 'targets', elemType: ONNX_FLOAT, shape: ['rows', dim] },
    ],
    outputs: [{ name: 'similarity', elemType: ONNX_FLOAT, shape: ['batch', 'rows'] }],
    nodes: [{ opType: 'Gemm', inputs: ['queries', 'targets'], outputs: ['similarity'], attributes: [{ name: 'transB', int: 1 }] }],
  });
}

export interface OrtKernelOptions {
  /** Threads for the GEMM; 0 lets onnxruntime choose (one per physical core). */
  threads?: number;
}

export function ortSimilarityKernelFactory(options: OrtKernelOptions = {}): SimilarityKernelFactory {
  return async (targets, rows, dim) => {
    const session = await ort.InferenceSession.create(gemmTransBModel(dim), {
      intraOpNumThreads: options.threads ?? 0,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      // Spinning pool threads would steal the core the scoring loops run on between blocks.
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    const targetTensor = new ort.Tensor('float32', targets, [rows, dim]);
    const kernel: SimilarityKernel = {
      targetRows: rows,
      async multiply(queries, count) {
        const queryTensor = new ort.Tensor('float32', queries.subarray(0, count * dim), [count, dim]);
        const result = await session.run({ queries: queryTensor, targets: targetTensor });
        return result.similarity.data as Float32Array;
      },
      close: () => session.release(),
    };
    return kernel;
  };
}

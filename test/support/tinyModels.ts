// Small ONNX models written with the project's graph writer: a seeded Conv+ReLU+pool embedder and variants to refuse.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PreprocessRecipe } from '../../src/imaging/preprocess.js';
import { buildOnnxModel, ONNX_FLOAT, type Dim, type GraphNode, type Initializer } from '../../src/linalg/onnxGraph.js';
import { createRng } from '../../src/metric/random.js';

/** Crop of the tiny models' recipe; their inputs take TINY_CROP x TINY_CROP images. */
export const TINY_CROP = 16;
export const TINY_DIM = 8;

export const TINY_RECIPE: PreprocessRecipe = {
  resize: 20,
  crop: TINY_CROP,
  interpolation: 'bilinear',
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/**
 * conv: [batch,3,H,W] -> Conv(3->8, 3x3) + ReLU + GlobalAveragePool + Flatten -> 'embedding' [batch, 8] (8 = TINY_DIM,
 * or the `dim` asked for: every variant's 8 channels become `dim`);
 * nhwc: the same after a Transpose from [batch,H,W,3]; fixedBatch1: batch fixed to 1; spatial: no pooling
 * ([batch,8,H,W], refused); rank3: input [batch,3,H*W] (refused); twoOutputs: 'map' [batch,8,H,W] first,
 * then 'pooled' [batch,8,1,1]; batchNotFirst: output [8, batch] (refused).
 */
export type TinyModelKind = 'conv' | 'nhwc' | 'fixedBatch1' | 'spatial' | 'rank3' | 'twoOutputs' | 'batchNotFirst';

function seeded(name: string, dims: number[], seed: number): Initializer {
  const rng = createRng(seed);
  const count = dims.reduce((a, b) => a * b, 1);
  return { name, dims, floats: Float32Array.from({ length: count }, () => rng.next() * 2 - 1) };
}

const convNodes = (input: string): GraphNode[] => [
  {
    opType: 'Conv',
    inputs: [input, 'w', 'b'],
    outputs: ['conv'],
    attributes: [
      { name: 'kernel_shape', ints: [3, 3] },
      { name: 'pads', ints: [1, 1, 1, 1] },
    ],
  },
  { opType: 'Relu', inputs: ['conv'], outputs: ['map'] },
];
const poolNodes: GraphNode[] = [
  { opType: 'GlobalAveragePool', inputs: ['map'], outputs: ['pooled'] },
  { opType: 'Flatten', inputs: ['pooled'], outputs: ['embedding'], attributes: [{ name: 'axis', int: 1 }] },
];

/** ONNX bytes of one tiny model; the same seed (and dim) gives the same weights in every variant. */
export function tinyModel(kind: TinyModelKind, seed = 7, dim = TINY_DIM): Uint8Array {
  const c = TINY_CROP;
  const nchw: Dim[] = ['batch', 3, c, c];
  const initializers = [seeded('w', [dim, 3, 3, 3], seed), seeded('b', [dim], seed + 1)];
  const f = (name: string, shape: Dim[]) => ({ name, elemType: ONNX_FLOAT, shape });
  const spec = (inputs: ReturnType<typeof f>[], nodes: GraphNode[], outputs: ReturnType<typeof f>[], weights = initializers) =>
    buildOnnxModel({ name: `tiny_${kind}`, inputs, outputs, nodes, initializers: weights });
  switch (kind) {
    case 'conv':
      return spec([f('image', nchw)], [...convNodes('image'), ...poolNodes], [f('embedding', ['batch', dim])]);
    case 'nhwc':
      return spec(
        [f('image', ['batch', c, c, 3])],
        [
          { opType: 'Transpose', inputs: ['image'], outputs: ['chw'], attributes: [{ name: 'perm', ints: [0, 3, 1, 2] }] },
          ...convNodes('chw'),
          ...poolNodes,
        ],
        [f('embedding', ['batch', dim])],
      );
    case 'fixedBatch1':
      return spec([f('image', [1, 3, c, c])], [...convNodes('image'), ...poolNodes], [f('embedding', [1, dim])]);
    case 'spatial':
      return spec([f('image', nchw)], convNodes('image'), [f('map', ['batch', dim, c, c])]);
    case 'rank3':
      return spec(
        [f('pixels', ['batch', 3, c * c])],
        [
          {
            opType: 'ReduceMean',
            inputs: ['pixels'],
            outputs: ['embedding'],
            attributes: [
              { name: 'axes', ints: [2] },
              { name: 'keepdims', int: 0 },
            ],
          },
        ],
        [f('embedding', ['batch', 3])],
        [],
      );
    case 'twoOutputs':
      return spec(
        [f('image', nchw)],
        [...convNodes('image'), poolNodes[0]],
        [f('map', ['batch', dim, c, c]), f('pooled', ['batch', dim, 1, 1])],
      );
    case 'batchNotFirst':
      return spec(
        [f('image', nchw)],
        [
          ...convNodes('image'),
          ...poolNodes,
          { opType: 'Transpose', inputs: ['embedding'], outputs: ['transposed'], attributes: [{ name: 'perm', ints: [1, 0] }] },
        ],
        [f('transposed', [dim, 'batch'])],
      );
  }
}

export interface WrittenModel {
  onnx: string;
  manifest: string;
}

/** Writes `<name>.onnx` and its manifest `<name>.json` (TINY_RECIPE unless overridden; `dim`: output width, TINY_DIM unless given) into dir. */
export async function writeTinyModel(
  dir: string,
  kind: TinyModelKind,
  manifest: { name?: string; preprocess?: PreprocessRecipe; output?: string; seed?: number; dim?: number } = {},
): Promise<WrittenModel> {
  await mkdir(dir, { recursive: true });
  const name = manifest.name ?? kind;
  const onnx = join(dir, `${name}.onnx`);
  await writeFile(onnx, tinyModel(kind, manifest.seed, manifest.dim));
  const path = join(dir, `${name}.json`);
  const json = {
    name,
    file: `${name}.onnx`,
    preprocess: manifest.preprocess ?? TINY_RECIPE,
    ...(manifest.output ? { output: manifest.output } : {}),
  };
  await writeFile(path, JSON.stringify(json, null, 2));
  return { onnx, manifest: path };
}

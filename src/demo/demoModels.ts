// Small demo models written as ONNX files at seed time: raw pixels, fixed edge filters, and a random-weight CNN.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildOnnxModel, ONNX_FLOAT, type GraphNode, type Initializer } from '../linalg/onnxGraph.js';
import { createRng } from '../metric/random.js';

const SIZE = 32;
const RECIPE = { resize: SIZE, crop: SIZE, interpolation: 'bilinear', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

interface DemoModel {
  name: string;
  family: string;
  nodes: GraphNode[];
  initializers: Initializer[];
  params: number;
  gflops: number;
}

function conv(name: string, input: string, output: string, weights: Initializer, pad: number): GraphNode {
  return {
    opType: 'Conv',
    inputs: [input, weights.name],
    outputs: [output],
    attributes: [
      { name: 'kernel_shape', ints: weights.dims.slice(2) },
      { name: 'pads', ints: [pad, pad, pad, pad] },
    ],
  };
}

function randomWeights(name: string, dims: number[], seed: number): Initializer {
  const rng = createRng(seed);
  const fanIn = dims.slice(1).reduce((a, b) => a * b, 1);
  const bound = Math.sqrt(6 / fanIn);
  return { name, dims, floats: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (rng.next() * 2 - 1) * bound) };
}

/** Average of 4 x 4 pixel blocks: a 192-d raw-pixel baseline. */
function pixels(): DemoModel {
  return {
    name: 'demo-pixels-8x8',
    family: 'raw pixels',
    nodes: [
      {
        opType: 'AveragePool',
        inputs: ['image'],
        outputs: ['pooled'],
        attributes: [
          { name: 'kernel_shape', ints: [4, 4] },
          { name: 'strides', ints: [4, 4] },
        ],
      },
      { opType: 'Flatten', inputs: ['pooled'], outputs: ['embedding'], attributes: [{ name: 'axis', int: 1 }] },
    ],
    initializers: [],
    params: 0,
    gflops: (3 * SIZE * SIZE) / 1e9,
  };
}

/** Horizontal and vertical Sobel filters on the grey level, rectified and pooled to 4 x 4: a 32-d edge map. */
function edges(): DemoModel {
  const sobelX = [-1, 0, 1, -2, 0, 2, -1, 0, 1];
  const sobelY = [-1, -2, -1, 0, 0, 0, 1, 2, 1];
  const floats = new Float32Array(2 * 3 * 9);
  [sobelX, sobelY].forEach((kernel, out) => {
    for (let c = 0; c < 3; c++) kernel.forEach((v, k) => (floats[(out * 3 + c) * 9 + k] = v / 3));
  });
  const weights: Initializer = { name: 'sobel', dims: [2, 3, 3, 3], floats };
  return {
    name: 'demo-edges-sobel',
    family: 'hand-crafted filters',
    nodes: [
      conv('sobel', 'image', 'gradients', weights, 1),
      { opType: 'Abs', inputs: ['gradients'], outputs: ['magnitude'] },
      {
        opType: 'AveragePool',
        inputs: ['magnitude'],
        outputs: ['pooled'],
        attributes: [
          { name: 'kernel_shape', ints: [8, 8] },
          { name: 'strides', ints: [8, 8] },
        ],
      },
      { opType: 'Flatten', inputs: ['pooled'], outputs: ['embedding'], attributes: [{ name: 'axis', int: 1 }] },
    ],
    initializers: [weights],
    params: floats.length,
    gflops: (2 * 2 * 27 * SIZE * SIZE) / 1e9,
  };
}

/** Two random convolution layers with ReLU and global average pooling: a 64-d random-feature CNN. */
function randomCnn(): DemoModel {
  const w1 = randomWeights('conv1', [32, 3, 5, 5], 11);
  const w2 = randomWeights('conv2', [64, 32, 3, 3], 12);
  return {
    name: 'demo-random-cnn',
    family: 'random CNN',
    nodes: [
      conv('conv1', 'image', 'c1', w1, 2),
      { opType: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      {
        opType: 'MaxPool',
        inputs: ['r1'],
        outputs: ['p1'],
        attributes: [
          { name: 'kernel_shape', ints: [2, 2] },
          { name: 'strides', ints: [2, 2] },
        ],
      },
      conv('conv2', 'p1', 'c2', w2, 1),
      { opType: 'Relu', inputs: ['c2'], outputs: ['r2'] },
      { opType: 'GlobalAveragePool', inputs: ['r2'], outputs: ['g'] },
      { opType: 'Flatten', inputs: ['g'], outputs: ['embedding'], attributes: [{ name: 'axis', int: 1 }] },
    ],
    initializers: [w1, w2],
    params: w1.floats.length + w2.floats.length,
    gflops: (2 * (w1.floats.length * SIZE * SIZE + w2.floats.length * (SIZE / 2) ** 2)) / 1e9,
  };
}

/** Writes every demo model (ONNX + model manifest) into `dir`; returns the manifest paths. */
export async function writeDemoModels(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const model of [pixels(), edges(), randomCnn()]) {
    const onnx = buildOnnxModel({
      name: model.name,
      inputs: [{ name: 'image', elemType: ONNX_FLOAT, shape: ['batch', 3, SIZE, SIZE] }],
      outputs: [{ name: 'embedding', elemType: ONNX_FLOAT, shape: ['batch', 'features'] }],
      nodes: model.nodes,
      initializers: model.initializers,
    });
    await writeFile(join(dir, `${model.name}.onnx`), onnx);
    const manifest = {
      name: model.name,
      file: `${model.name}.onnx`,
      preprocess: RECIPE,
      metadata: { family: model.family, params: model.params, gflops: model.gflops },
    };
    const path = join(dir, `${model.name}.json`);
    await writeFile(path, JSON.stringify(manifest, null, 2));
    paths.push(path);
  }
  return paths;
}

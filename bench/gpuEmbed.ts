// GPU inference throughput: onnxruntime-node (the provider CORREMBED_EXECUTION_PROVIDER selects) vs PyTorch eager on the same card, fp32 and fp16 ResNet-50 by batch size.
//
// Usage (on a GPU machine, through bench/gpu.sh, which prepares the provider and the fp16 model):
//   CORREMBED_EXECUTION_PROVIDER=webgpu node dist/bench/gpuEmbed.js [--batches 1,16,64,256] [--seconds 5] [--python python3]
// Each figure is images/s of session.run() on a ready-made host tensor (upload, inference and the embeddings' download
// included), after 3 warm-up runs, over at least --seconds; PyTorch (bench/torch_embed.py --infer-only) copies the
// same host batch to the card each time and runs channels-last under torch.inference_mode.
import { configureProcess } from '../src/config/applyConfig.js';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { executionProviders } from '../src/inference/executionProviders.js';
import { loadModelManifest } from '../src/inference/modelManifest.js';
import { DATA_DIR, REPO_ROOT, ensureModel } from './benchData.js';
import { benchCli, machineLine } from './benchCli.js';

const config = configureProcess(); // the CORREMBED_* settings, as the commands apply them

const cli = benchCli('bench gpu');
const { values } = cli.args({
  options: {
    batches: { type: 'string', default: '1,16,64,256' },
    seconds: { type: 'string' },
    python: { type: 'string', default: 'python3' },
  },
});
const batches = values.batches!.split(',').map((b) => cli.positiveInt('batches', b, 1));
const seconds = cli.positiveInt('seconds', values.seconds, 5);
const providers = executionProviders(config.inference.executionProvider);
const command = `CORREMBED_EXECUTION_PROVIDER=${config.inference.executionProvider} bash bench/gpu.sh --batches ${batches.join(',')} --seconds ${seconds}`;

const fp32Manifest = ensureModel('resnet50');
const crop = (await loadModelManifest(fp32Manifest)).preprocess.crop;
const files = { float32: (await loadModelManifest(fp32Manifest)).file, float16: join(DATA_DIR, 'models', 'resnet50-fp16.onnx') };
if (!existsSync(files.float16)) cli.fail(`${files.float16} is missing: bench/gpu.sh exports it with bench/export_fp16.py`);

/** float32 -> IEEE half bits (round to nearest; the benchmark's inputs are in [-2, 2], no overflow or subnormals). */
function toHalf(value: number): number {
  const f = new Float32Array([value]);
  const bits = new Uint32Array(f.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  if (exponent <= 0) return sign;
  return (sign | (exponent << 10) | ((bits >>> 13) & 0x3ff)) + ((bits >>> 12) & 1);
}

async function onnxRate(precision: 'float32' | 'float16', batch: number): Promise<number> {
  const session = await ort.InferenceSession.create(files[precision], {
    executionProviders: providers,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  });
  try {
    const count = batch * 3 * crop * crop;
    const values = Float32Array.from({ length: count }, (_, i) => ((i * 2654435761) % 1000) / 250 - 2);
    const input =
      precision === 'float32'
        ? new ort.Tensor('float32', values, [batch, 3, crop, crop])
        : new ort.Tensor('float16', Uint16Array.from(values, toHalf), [batch, 3, crop, crop]);
    const feeds = { [session.inputNames[0]]: input };
    for (let i = 0; i < 3; i++) await session.run(feeds);
    let runs = 0;
    const start = performance.now();
    while (runs < 10 || performance.now() - start < seconds * 1000) {
      await session.run(feeds);
      runs++;
    }
    return (runs * batch) / ((performance.now() - start) / 1000);
  } finally {
    await session.release();
  }
}

function torchRate(precision: 'float32' | 'float16', batch: number): number {
  const args = [
    join(REPO_ROOT, 'bench', 'torch_embed.py'),
    '--manifest',
    fp32Manifest,
    '--arch',
    'resnet50',
    '--device',
    'cuda',
    '--dtype',
    precision,
    '--batch',
    String(batch),
    '--channels-last',
    '--infer-only',
  ];
  args.push('--infer-batches', String(Math.max(10, Math.ceil((seconds * 2000) / batch))));
  return JSON.parse(execFileSync(values.python!, args, { encoding: 'utf8' })).infer_images_per_s as number;
}

console.log(`bench gpu: ResNet-50 (random init), onnxruntime-node providers [${providers.join(', ')}] vs PyTorch CUDA eager`);
console.log(machineLine());
console.log(
  execFileSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf8' }).trim(),
);
console.log(
  `\n${'precision'.padEnd(10)} ${'batch'.padStart(6)} ${'onnxruntime img/s'.padStart(18)} ${'PyTorch img/s'.padStart(14)} ${'ratio'.padStart(7)}`,
);
for (const precision of ['float32', 'float16'] as const) {
  for (const batch of batches) {
    const ort = await onnxRate(precision, batch);
    const torch = torchRate(precision, batch);
    console.log(
      `${precision.padEnd(10)} ${String(batch).padStart(6)} ${ort.toFixed(0).padStart(18)} ${torch.toFixed(0).padStart(14)} ${(ort / torch).toFixed(2).padStart(7)}`,
    );
  }
}
console.log(`\nreproduce: ${command}`);

// The embed path on an accelerator without the platform's database: read + native decode/preprocess + run(), pipelined, against run() alone.
//
// Usage: UV_THREADPOOL_SIZE=<cores> node dist/bench/deviceEmbed.js --model M.onnx --manifest M.json --images DIR
//          [--provider webgpu|cuda|cpu] [--batches 64,256] [--seconds 10]
// Needs only onnxruntime-node, the native/pil-imaging addon and pure modules of dist/, so it runs on a machine that has
// a GPU but no node_modules (bench/device/pack.sh packs what it needs). Per batch size it prints images/s of
// (1) run() on a ready-made host tensor and (2) the embed path: each batch's JPEGs are read and decoded + resized +
// normalised by the addon on libuv's pool threads, all queued before the previous batch's run() so that host work
// overlaps inference; inputs of a float16 graph are fed as float32 when the graph takes float32 (cast on the device).
import { configureProcess } from '../src/config/applyConfig.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { jpegFrame } from '../src/imaging/jpegFrame.js';
import { loadPilImaging } from '../src/imaging/nativeImaging.js';
import { parsePreprocessRecipe } from '../src/imaging/recipe.js';
import { tensorPlan } from '../src/imaging/tensorPlan.js';
import { benchCli, machineLine } from './benchCli.js';

configureProcess(); // the CORREMBED_* settings, as the commands apply them

const cli = benchCli('bench device-embed');
const { values } = cli.args({
  options: {
    model: { type: 'string' },
    manifest: { type: 'string' },
    images: { type: 'string' },
    provider: { type: 'string', default: 'webgpu' },
    batches: { type: 'string', default: '64,256' },
    seconds: { type: 'string' },
  },
});
const required = (name: 'model' | 'manifest' | 'images'): string =>
  values[name] ?? cli.fail(`--${name} is required (--model M.onnx --manifest M.json --images DIR)`);
const [modelFile, manifestFile, imageDir] = [required('model'), required('manifest'), required('images')];
const batches = values.batches!.split(',').map((b) => cli.positiveInt('batches', b, 1));
const seconds = cli.positiveInt('seconds', values.seconds, 10);
const recipe = parsePreprocessRecipe((JSON.parse(readFileSync(manifestFile, 'utf8')) as { preprocess: unknown }).preprocess);
const { imaging, error } = loadPilImaging();
const decode =
  imaging?.decodeJpegTensor?.bind(imaging) ??
  cli.fail(`the native addon with JPEG decoding is needed (${error || 'built without libjpeg'})`);
const files = readdirSync(imageDir)
  .filter((name) => /\.jpe?g$/i.test(name))
  .sort()
  .map((name) => join(imageDir, name));
if (files.length === 0) cli.fail(`no JPEGs in ${imageDir}`);
const imageSize = 3 * recipe.crop * recipe.crop;
const providers = values.provider === 'cpu' ? ['cpu'] : [values.provider!, 'cpu'];

/** Reads and preprocesses images [first, first + count) of the (cycled) file list into `out`; resolves when all are written. */
function prepare(first: number, count: number, out: Float32Array): Promise<void> {
  const work: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = readFileSync(files[(first + i) % files.length]);
    const frame = jpegFrame(bytes);
    if (frame === undefined) throw new Error(`not a JPEG: ${files[(first + i) % files.length]}`);
    const done = decode(bytes, frame.width, frame.height, ...tensorPlan(frame.width, frame.height, recipe, 'NCHW', out, i * imageSize));
    work.push(
      done.then((written) => {
        if (!written) throw new Error(`the addon turned down ${files[(first + i) % files.length]}`);
      }),
    );
  }
  return Promise.all(work).then(() => undefined);
}

async function measure(session: ort.InferenceSession, batch: number): Promise<{ infer: number; embed: number }> {
  const name = session.inputNames[0];
  const buffers = [new Float32Array(batch * imageSize), new Float32Array(batch * imageSize)];
  const feeds = (data: Float32Array) => ({ [name]: new ort.Tensor('float32', data, [batch, 3, recipe.crop, recipe.crop]) });
  await prepare(0, batch, buffers[0]);
  for (let i = 0; i < 3; i++) await session.run(feeds(buffers[0]));
  const timed = async (step: (k: number) => Promise<void>): Promise<number> => {
    let k = 0;
    const start = performance.now();
    while (k < 5 || performance.now() - start < seconds * 1000) await step(k++);
    return (k * batch) / ((performance.now() - start) / 1000);
  };
  const infer = await timed(async () => {
    await session.run(feeds(buffers[0]));
  });
  let next = prepare(0, batch, buffers[0]);
  const embed = await timed(async (k) => {
    await next;
    // Queue the next batch's decodes before this batch's run() blocks the thread: they run on the pool meanwhile.
    next = prepare((k + 1) * batch, batch, buffers[(k + 1) % 2]);
    await session.run(feeds(buffers[k % 2]));
  });
  await next;
  return { infer, embed };
}

console.log(
  `bench device-embed: ${modelFile}, providers [${providers.join(', ')}], ${files.length} JPEGs cycled, recipe ${recipe.resize}/${recipe.crop} ${recipe.interpolation}`,
);
console.log(`${machineLine()}; libuv pool ${process.env.UV_THREADPOOL_SIZE ?? 4} threads`);
const session = await ort.InferenceSession.create(modelFile, {
  executionProviders: providers,
  graphOptimizationLevel: 'all',
  logSeverityLevel: 3,
}).catch((e: unknown) =>
  cli.fail(`provider ${values.provider} cannot open ${modelFile}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`),
);
const inputType = (session as unknown as { inputMetadata?: { type?: string }[] }).inputMetadata?.[0]?.type;
if (inputType !== undefined && inputType !== 'float32')
  cli.fail(`the graph takes ${inputType}; export it with float32 input (bench/export_fp16.py --io float32)`);
console.log(`${'batch'.padStart(6)} ${'run() img/s'.padStart(12)} ${'embed path img/s'.padStart(17)} ${'ratio'.padStart(6)}`);
for (const batch of batches) {
  const { infer, embed } = await measure(session, batch);
  console.log(
    `${String(batch).padStart(6)} ${infer.toFixed(0).padStart(12)} ${embed.toFixed(0).padStart(17)} ${(embed / infer).toFixed(3).padStart(6)}`,
  );
  console.log(JSON.stringify({ model: modelFile, provider: values.provider, batch, inferImagesPerS: infer, embedImagesPerS: embed }));
}
await session.release();

// One onnxruntime-node session (CPU unless configured) for an embedding model: inspected and test-run at load, then batched inference.
import * as ort from 'onnxruntime-node';
import { UserInputError } from '../errors.js';
import { preprocessHash, type Layout, type PreprocessRecipe } from '../imaging/preprocess.js';
import { executionProviders } from './executionProviders.js';
import { inputSignature } from './inputSignature.js';
import type { ModelManifest } from './modelManifest.js';
import { confineExternalData, modelContentHash } from './externalData.js';
import { checkEmbeddingWidth, checkLoadMemory, imagesPerRun, type ModelCaps, modelCaps, residentGrowth } from './modelCaps.js';
import { checkOnnxSize, readOnnxFile } from './onnxFile.js';

export interface EmbeddingModelOptions {
  /** onnxruntime intra-op threads; 0 or omitted lets onnxruntime choose (one per physical core). */
  threads?: number;
  /** What the model may demand; default: this process's settings (CORREMBED_MAX_EMBEDDING_DIM, ...). */
  caps?: ModelCaps;
}

/** Batch size of the test run made at load (the check that the output is one vector per image). */
const PROBE_BATCH = 2;

/**
 * Most images per run on the CPU. onnxruntime's arena keeps the working memory of a session's largest run, and a worker
 * holds a session per model of a run; per image, CPU inference is as fast at 4 images per run as at 32 (ResNet-18,
 * ResNet-50, MobileNetV3-Small and -Large, one thread), while ResNet-50's arena holds 400 MB after runs of 32 and 30
 * MB after runs of 4. GPU sessions take the whole batch (their throughput grows with it).
 */
const CPU_RUN_IMAGES = 4;

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/** Embedding size when `dims` is one vector per image for `count` images ([n, d], [n, d, 1, 1], [n, 1, 1, d]); else null. */
function vectorSize(dims: readonly number[], count: number): number | null {
  if (dims.length < 2 || dims[0] !== count) return null;
  const rest = dims.slice(1);
  const wide = rest.filter((d) => d !== 1);
  return wide.length <= 1 ? rest.reduce((a, b) => a * b, 1) : null;
}

/** A session with the input and output it is used through. */
interface Graph {
  session: ort.InferenceSession;
  inputName: string;
  outputName: string;
  layout: Layout;
  crop: number;
}

async function runGraph(graph: Graph, images: Float32Array, count: number): Promise<ort.Tensor> {
  const side = graph.crop;
  const shape = graph.layout === 'NCHW' ? [count, 3, side, side] : [count, side, side, 3];
  // onnxruntime-node refuses shared memory.
  const data = images.buffer instanceof SharedArrayBuffer ? images.slice() : images;
  const result = await graph.session.run({ [graph.inputName]: new ort.Tensor('float32', data, shape) }, [graph.outputName]);
  return result[graph.outputName] as ort.Tensor;
}

/** Runs a zero batch and returns the embedding size, refusing outputs that are not one fixed-size vector per image. */
async function probeDim(model: string, graph: Graph, count: number): Promise<number> {
  let output: ort.Tensor;
  try {
    output = await runGraph(graph, new Float32Array(count * 3 * graph.crop * graph.crop), count);
  } catch (error) {
    throw new UserInputError(`model ${model}: a test batch of ${count} failed (${firstLine(error)})`);
  }
  const dims = output.dims;
  const dim = vectorSize(dims, count);
  if (dim === null) {
    throw new UserInputError(
      `model ${model}: output '${graph.outputName}' has shape [${dims.join(', ')}] for a batch of ${count}; ` +
        `expected one vector per image ([${count}, d] or [${count}, d, 1, 1])`,
    );
  }
  if (output.type !== 'float32')
    throw new UserInputError(`model ${model}: output '${graph.outputName}' is ${output.type}, expected float32`);
  return dim;
}

/** Floats per image the graph declares for an output (its dimensions after the batch; 0 when any is dynamic). */
function declaredWidth(session: ort.InferenceSession, outputName: string): number {
  const output = session.outputMetadata.find((o) => o.name === outputName);
  if (!output?.isTensor) return 0;
  const rest = output.shape.slice(1);
  return rest.every((d) => typeof d === 'number' && d > 0) ? (rest as number[]).reduce((a, b) => a * b, 1) : 0;
}

export class EmbeddingModel {
  private closed = false;

  readonly inputName: string;
  readonly outputName: string;
  readonly layout: Layout;

  private constructor(
    readonly name: string,
    private readonly graph: Graph,
    readonly dim: number,
    /** sha256 of the .onnx file's bytes and its external data (externalData.ts: modelContentHash). */
    readonly onnxHash: string,
    /** sha256 of the recipe and layout (see imaging/recipe.ts). */
    readonly preprocessHash: string,
    readonly recipe: PreprocessRecipe,
    /** Images per run when the graph has a fixed batch size, else null (any count up to runLimit in one run). */
    private readonly fixedBatch: number | null,
    /** Most images one run holds within CORREMBED_MAX_MODEL_BATCH_BYTES (measured at load). */
    readonly runLimit: number,
    /** Images per run: runLimit, or fewer on the CPU (CPU_RUN_IMAGES). */
    private readonly runImages: number,
  ) {
    this.inputName = graph.inputName;
    this.outputName = graph.outputName;
    this.layout = graph.layout;
  }

  /**
   * Loads the model (size and ModelProto structure checked first, see onnxFile.ts; external data confined to the
   * model's folder, see externalData.ts), checks its input against the recipe and test-runs it to check the output,
   * measuring it against the caps (modelCaps.ts); refusals are UserInputErrors.
   */
  static async load(manifest: ModelManifest, options: EmbeddingModelOptions = {}): Promise<EmbeddingModel> {
    const { name, preprocess: recipe } = manifest;
    const caps = options.caps ?? modelCaps();
    const bytes = await readOnnxFile(manifest.file, name);
    const external = await confineExternalData(manifest.file, bytes, name);
    checkOnnxSize(bytes.length + external.bytes, name, `${manifest.file} with its external data`);
    const providers = executionProviders();
    let session: ort.InferenceSession;
    let loadBytes: number;
    try {
      ({ value: session, bytes: loadBytes } = await residentGrowth(() =>
        ort.InferenceSession.create(bytes, {
          executionProviders: providers,
          intraOpNumThreads: options.threads ?? 0,
          interOpNumThreads: 1,
          graphOptimizationLevel: 'all',
          logSeverityLevel: 3,
          extra: {
            session: {
              // Spinning pool threads would steal the cores that decode the next batch.
              intra_op: { allow_spinning: '0' },
              // Loaded from bytes, external data would otherwise be looked up in the working folder.
              model_external_initializers_file_folder_path: external.folder,
            },
          },
        }),
      ));
    } catch (error) {
      throw new UserInputError(`model ${name}: not a loadable ONNX model (${firstLine(error)})`);
    }
    try {
      checkLoadMemory(name, loadBytes, caps);
      const input = inputSignature(name, session, recipe.crop);
      const outputName = manifest.output ?? session.outputNames[0];
      if (!session.outputNames.includes(outputName)) {
        throw new UserInputError(`model ${name}: no output '${outputName}' (outputs: ${session.outputNames.join(', ')})`);
      }
      checkEmbeddingWidth(name, declaredWidth(session, outputName), caps);
      const graph: Graph = { session, inputName: input.name, outputName, layout: input.layout, crop: recipe.crop };
      const probed = input.fixedBatch ?? PROBE_BATCH;
      const probe = await residentGrowth(() => probeDim(name, graph, probed));
      checkEmbeddingWidth(name, probe.value, caps);
      const runLimit = imagesPerRun(name, probe.bytes, probed, input.fixedBatch, caps);
      const onnxHash = await modelContentHash(bytes, external.files);
      return new EmbeddingModel(
        name,
        graph,
        probe.value,
        onnxHash,
        preprocessHash(recipe, input.layout),
        recipe,
        input.fixedBatch,
        runLimit,
        providers.length === 1 && providers[0] === 'cpu' ? Math.min(runLimit, CPU_RUN_IMAGES) : runLimit,
      );
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  /** Floats per preprocessed image. */
  get imageSize(): number {
    return 3 * this.recipe.crop * this.recipe.crop;
  }

  get released(): boolean {
    return this.closed;
  }

  /** Embeds `count` preprocessed images laid out back to back in `batch`; returns count x dim floats, row-major. */
  async embed(batch: Float32Array, count: number): Promise<Float32Array> {
    if (this.closed) throw new Error(`model ${this.name}: embed() after release()`);
    const size = this.imageSize;
    if (!Number.isInteger(count) || count < 0 || batch.length < count * size) {
      throw new RangeError(`model ${this.name}: a batch of ${count} images needs ${count * size} floats, got ${batch.length}`);
    }
    const out = new Float32Array(count * this.dim);
    const step = this.fixedBatch ?? Math.min(Math.max(count, 1), this.runImages);
    for (let first = 0; first < count; first += step) {
      const n = Math.min(step, count - first);
      let chunk = batch.subarray(first * size, (first + n) * size);
      if (this.fixedBatch !== null && n < step) {
        // A fixed-batch graph gets the last images padded with zeros; the padding's vectors are dropped.
        const padded = new Float32Array(step * size);
        padded.set(chunk);
        chunk = padded;
      }
      const output = await runGraph(this.graph, chunk, this.fixedBatch ?? n);
      out.set((output.data as Float32Array).subarray(0, n * this.dim), first * this.dim);
    }
    return out;
  }

  async release(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.graph.session.release();
  }
}

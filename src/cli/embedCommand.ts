// `corrembed embed`: embeds images with a model manifest through the platform's own preprocessing and inference.
import { randomUUID } from 'node:crypto';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UserInputError } from '../errors.js';
import { encodeNpyMatrix } from '../io/npy.js';
import type { EmbeddingModel } from '../inference/embeddingModel.js';
import { EMBED, parseCommand } from './commandSpecs.js';
import { configureProcess } from '../config/applyConfig.js';

const SHOWN_VALUES = 4;

function norm(vector: Float32Array): number {
  let sum = 0;
  for (const v of vector) sum += v * v;
  return Math.sqrt(sum);
}

/**
 * The vector scaled to unit length as the platform scales what it stores (sum of squares in float64, each value
 * multiplied by 1 / norm and rounded to float32); an all-zero or non-finite vector is left as it is.
 */
function unitLength(vector: Float32Array): Float32Array {
  let sumSq = 0;
  for (const v of vector) sumSq += v * v;
  if (sumSq === 0 || !Number.isFinite(sumSq)) return vector;
  const scale = 1 / Math.sqrt(sumSq);
  return vector.map((v) => v * scale);
}

/** The vectors as one float32 .npy matrix, written to a temporary name beside `path` and renamed into place. */
async function writeNpy(path: string, vectors: Float32Array[], dim: number): Promise<void> {
  const data = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => data.set(v, i * dim));
  const partial = join(dirname(path), `.${basename(path)}.${randomUUID()}.partial`);
  try {
    await writeFile(partial, encodeNpyMatrix(data, vectors.length, dim), { flag: 'wx' });
    await rename(partial, path);
  } catch (error) {
    await rm(partial, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code))
      throw new UserInputError(`--npy: cannot write "${path}": ${code === 'ENOENT' ? 'its folder does not exist' : code}`);
    throw error;
  }
}

function renderSummary(model: EmbeddingModel, images: string[], vectors: Float32Array[]): string {
  const width = Math.max(...images.map((i) => i.length));
  const lines = [`model ${model.name}: ${images.length} images, dim ${model.dim} (output '${model.outputName}', ${model.layout})`];
  images.forEach((image, i) => {
    const v = vectors[i];
    const head = Array.from(v.subarray(0, SHOWN_VALUES), (x) => x.toFixed(4)).join(', ');
    lines.push(`  ${image.padEnd(width)}  norm ${norm(v).toFixed(4)}  [${head}${v.length > SHOWN_VALUES ? ', ...' : ''}]`);
  });
  return lines.join('\n');
}

export async function embedCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommand(EMBED, argv);
  configureProcess();
  if (!values.manifest) throw new UserInputError('--manifest <model.json> is required');
  if (positionals.length === 0) throw new UserInputError('give at least one image');
  if (values.npy !== undefined && !(await stat(dirname(resolve(values.npy))).catch(() => null))?.isDirectory())
    throw new UserInputError(`--npy: cannot write "${values.npy}": its folder does not exist`);
  // Inference and imaging (onnxruntime, sharp) load once the arguments are complete: a usage error answers at once.
  const [{ embedImages }, { isImageUrl }, { EmbeddingModel }, { loadModelManifest }] = await Promise.all([
    import('../embedding/embedImages.js'),
    import('../imaging/imageSource.js'),
    import('../inference/embeddingModel.js'),
    import('../inference/modelManifest.js'),
  ]);
  const model = await EmbeddingModel.load(await loadModelManifest(values.manifest));
  try {
    // Command-line paths are the user's own: resolved against the current folder and not confined to one.
    const sources = positionals.map((image, i) => ({ id: String(i), uri: isImageUrl(image) ? image : resolve(image) }));
    const { vectors, failed } = await embedImages(model, sources, '/');
    if (failed.length > 0) {
      const more = failed.length - 1;
      throw new UserInputError(`${failed[0].error}${more > 0 ? ` (and ${more} more image${more === 1 ? '' : 's'} failed)` : ''}`);
    }
    const ordered = sources.map((s) => vectors.get(s.id)!).map((v) => (values.unit ? unitLength(v) : v));
    if (values.npy !== undefined) await writeNpy(resolve(values.npy), ordered, ordered[0].length);
    if (values.json) {
      const embeddings = positionals.map((image, i) => ({ image, vector: Array.from(ordered[i]) }));
      process.stdout.write(`${JSON.stringify({ dim: model.dim, embeddings })}\n`);
    } else {
      console.log(renderSummary(model, positionals, ordered));
    }
  } finally {
    await model.release();
  }
}

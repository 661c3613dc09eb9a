// `corrembed embed`: embeds images with a model manifest through the platform's own preprocessing and inference.
import { resolve } from 'node:path';
import { UserInputError } from '../errors.js';
import type { EmbeddingModel } from '../inference/embeddingModel.js';
import { EMBED, parseCommand } from './commandSpecs.js';
import { configureProcess } from '../config/applyConfig.js';

const SHOWN_VALUES = 4;

function norm(vector: Float32Array): number {
  let sum = 0;
  for (const v of vector) sum += v * v;
  return Math.sqrt(sum);
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
    const ordered = sources.map((s) => vectors.get(s.id)!);
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

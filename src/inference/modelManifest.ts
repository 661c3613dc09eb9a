// The model manifest (name, ONNX file, preprocessing recipe, output, metadata): loading and validation.
import { dirname } from 'node:path';
import { UserInputError } from '../errors.js';
import { resolveInside } from '../imaging/confinedPath.js';
import { parsePreprocessRecipe, type PreprocessRecipe } from '../imaging/preprocess.js';
import { readJsonFile } from '../io/jsonFile.js';
import { isS3Uri, parseS3Uri, resolveS3Relative } from '../storage/s3Uri.js';

export interface ModelMetadata {
  family?: string;
  /** ImageNet top-1 / top-5 accuracy in percent. */
  imagenetAcc1?: number;
  imagenetAcc5?: number;
  /** What imagenetAcc1 / imagenetAcc5 measure when it is not ImageNet-1k validation accuracy (e.g. "Fashion-MNIST test accuracy"). */
  accuracyMetric?: string;
  /** Number of parameters. */
  params?: number;
  gflops?: number;
}

export interface ModelManifest {
  name: string;
  /** Absolute path of the .onnx file, or its s3://bucket/key URI. */
  file: string;
  preprocess: PreprocessRecipe;
  /** Graph output holding the embedding (default: the first output). */
  output?: string;
  metadata?: ModelMetadata;
}

const FIELDS = ['name', 'file', 'preprocess', 'output', 'metadata'];
const METADATA_FIELDS = ['family', 'imagenetAcc1', 'imagenetAcc5', 'accuracyMetric', 'params', 'gflops'];

function refuseUnknown(input: Record<string, unknown>, known: string[], where: string, fail: (m: string) => never): void {
  const unknown = Object.keys(input).filter((key) => !known.includes(key));
  if (unknown.length > 0) fail(`unknown ${where}field ${unknown.map((k) => `"${k}"`).join(', ')} (fields: ${known.join(', ')})`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseMetadata(value: unknown, fail: (m: string) => never): ModelMetadata {
  if (!isObject(value)) fail('"metadata" must be an object { family, imagenetAcc1, imagenetAcc5, accuracyMetric, params, gflops }');
  refuseUnknown(value, METADATA_FIELDS, 'metadata ', fail);
  const metadata: ModelMetadata = {};
  for (const key of ['family', 'accuracyMetric'] as const) {
    const v = value[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.trim() === '') fail(`"metadata.${key}" must be a non-empty string (got ${JSON.stringify(v)})`);
    metadata[key] = v;
  }
  for (const key of ['imagenetAcc1', 'imagenetAcc5', 'params', 'gflops'] as const) {
    const v = value[key];
    if (v === undefined) continue;
    const percent = key.startsWith('imagenet');
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (percent && v > 100)) {
      fail(`"metadata.${key}" must be ${percent ? 'a percentage between 0 and 100' : 'a non-negative number'} (got ${JSON.stringify(v)})`);
    }
    metadata[key] = v;
  }
  return metadata;
}

/** Reads and validates a model manifest; a path `file` comes back absolute and confined to the manifest's folder. */
export async function loadModelManifest(path: string): Promise<ModelManifest> {
  const json = await readJsonFile(path, 'model manifest');
  const fail = (message: string): never => {
    throw new UserInputError(`model manifest ${path}: ${message}`);
  };
  if (!isObject(json)) fail('must be a JSON object { name, file, preprocess, output?, metadata? }');
  const input = json as Record<string, unknown>;
  refuseUnknown(input, FIELDS, '', fail);
  if (typeof input.name !== 'string' || input.name.trim() === '') fail('"name" must be a non-empty string');
  if (typeof input.file !== 'string' || input.file.trim() === '')
    fail('"file" must be the path of the .onnx file, relative to the manifest, or an s3://bucket/key URI');
  if (input.preprocess === undefined) fail('"preprocess" is required: { resize, crop, interpolation, mean, std }');
  let preprocess: PreprocessRecipe;
  try {
    preprocess = parsePreprocessRecipe(input.preprocess);
  } catch (error) {
    return fail((error as Error).message);
  }
  if (input.output !== undefined && (typeof input.output !== 'string' || input.output === ''))
    fail('"output" must be the name of a graph output');
  // An s3:// file is fetched when the model is loaded; a path is resolved inside the manifest's folder (in S3 too).
  const given = input.file as string;
  const file = isS3Uri(given)
    ? parseS3Uri(given).uri
    : isS3Uri(path)
      ? resolveS3Relative(path, given)
      : await resolveInside(given, dirname(path), `model manifest ${path}: file "${given}"`);
  return {
    name: input.name as string,
    file,
    preprocess,
    ...(input.output !== undefined ? { output: input.output as string } : {}),
    ...(input.metadata !== undefined ? { metadata: parseMetadata(input.metadata, fail) } : {}),
  };
}

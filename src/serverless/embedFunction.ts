// The embed function's work: a batch of image references and model references of one recipe -> vectors written to the cache.
import { availableParallelism } from 'node:os';
import { confineManifestPath } from '../catalog/manifestRoots.js';
import { UserInputError } from '../errors.js';
import { computeEmbeddings, storeEmbeddings } from '../executors/embedTask.js';
import type { EmbedResult, EmbedTask, ModelReference } from '../executors/executor.js';
import { answer, type InvocationAnswer } from '../executors/invocationEnvelope.js';
import { functionRuntime } from './functionRuntime.js';

function isString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

function isModelReference(model: Partial<ModelReference> | null | undefined): boolean {
  return (
    !!model &&
    isString(model.name) &&
    isString(model.onnxPath) &&
    isString(model.onnxHash) &&
    isString(model.preprocessHash) &&
    isString(model.outputName) &&
    typeof model.preprocess === 'object'
  );
}

/** Checks an invocation's payload is an EmbedTask (it crossed a network; trust nothing). */
export function parseEmbedTask(event: unknown): EmbedTask {
  const task = event as Partial<EmbedTask> | null;
  if (!Array.isArray(task?.models) || task.models.length === 0 || !task.models.every(isModelReference)) {
    throw new UserInputError('embed task: "models" must list models, each naming its file, recipe, output and cache hashes');
  }
  if (!isString(task.baseDir)) throw new UserInputError('embed task: "baseDir" must be a folder');
  if (!Array.isArray(task.images) || !task.images.every((i) => isString(i?.id) && isString(i?.uri))) {
    throw new UserInputError('embed task: "images" must be a list of { id, uri }');
  }
  return task as EmbedTask;
}

/**
 * The task's model files and image folder must lie under CORREMBED_DATA_ROOTS, as a manifest named through the API
 * must: whoever can invoke the function (or reach the GPU pool) must not make it read other files. Images are then
 * confined to the folder (imaging/imageSource.ts), external data to the model's folder (inference/externalData.ts).
 */
export async function confineEmbedTask(task: EmbedTask, roots: readonly string[]): Promise<EmbedTask> {
  for (const model of task.models) await confineManifestPath(model.onnxPath, roots, 'embed task: model file');
  await confineManifestPath(task.baseDir, roots, 'embed task: image folder');
  return task;
}

/** Every model of the task shares each image's read and preprocessing; a model that fails comes back as its error. */
export async function handleEmbed(event: unknown): Promise<InvocationAnswer<EmbedResult>> {
  return answer(async () => {
    const parsed = parseEmbedTask(event);
    const { cache, config } = await functionRuntime();
    const task = await confineEmbedTask(parsed, config.inputSafety.manifestRoots);
    return storeEmbeddings(cache, task, await computeEmbeddings(task, availableParallelism()));
  });
}

// The embed function's work: a batch of image references and a model reference -> vectors written to the cache.
import { availableParallelism } from 'node:os';
import { UserInputError } from '../errors.js';
import { computeEmbeddings, storeEmbeddings } from '../runs/embedTask.js';
import type { EmbedResult, EmbedTask } from '../runs/executor.js';
import { answer, type InvocationAnswer } from '../runs/invocationEnvelope.js';
import { functionRuntime } from './functionRuntime.js';

function isString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Checks an invocation's payload is an EmbedTask (it crossed a network; trust nothing). */
export function parseEmbedTask(event: unknown): EmbedTask {
  const task = event as Partial<EmbedTask> | null;
  const model = task?.model;
  if (!model || !isString(model.name) || !isString(model.onnxPath) || !isString(model.onnxHash) || !isString(model.preprocessHash) || !isString(model.outputName) || typeof model.preprocess !== 'object') {
    throw new UserInputError('embed task: "model" must name the model file, recipe, output and cache hashes');
  }
  if (!isString(task.baseDir)) throw new UserInputError('embed task: "baseDir" must be a folder');
  if (!Array.isArray(task.images) || !task.images.every((i) => isString(i?.id) && isString(i?.uri))) {
    throw new UserInputError('embed task: "images" must be a list of { id, uri }');
  }
  return task as EmbedTask;
}

export async function handleEmbed(event: unknown): Promise<InvocationAnswer<EmbedResult>> {
  return answer(async () => {
    const task = parseEmbedTask(event);
    const { cache } = await functionRuntime();
    return storeEmbeddings(cache, task.model, await computeEmbeddings(task, availableParallelism()));
  });
}

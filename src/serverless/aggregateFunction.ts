// The aggregate function's work: one shard of one scoring pass, from the dataset and the cached embeddings.
import { UserInputError } from '../errors.js';
import { computeShard, type EncodedPassResult } from '../metric/aggregateShards.js';
import { parseScoreOptions } from '../metric/options.js';
import { loadEvaluationInput, type EvaluationInput } from '../embedding/evaluationInput.js';
import type { AggregateTask } from '../executors/executor.js';
import { answer, type InvocationAnswer } from '../executors/invocationEnvelope.js';
import { functionRuntime } from './functionRuntime.js';

function parseAggregateTask(event: unknown): AggregateTask {
  const task = event as Partial<AggregateTask> | null;
  if (typeof task?.datasetId !== 'string' || typeof task.model?.onnxHash !== 'string' || typeof task.model.preprocessHash !== 'string') {
    throw new UserInputError('aggregate task: "datasetId" and "model" { onnxHash, preprocessHash } are required');
  }
  if (typeof task.request !== 'object' || task.request === null) throw new UserInputError('aggregate task: "request" is required');
  if (!Number.isInteger(task.scoredImages)) throw new UserInputError('aggregate task: "scoredImages" must be an integer');
  return task as AggregateTask;
}

/** The last input this container loaded: the shards of a pass, and the passes of an evaluation, mostly land on warm containers. */
let last: { key: string; input: Promise<EvaluationInput> } | null = null;

function load(task: AggregateTask, fresh: boolean): Promise<EvaluationInput> {
  const key = `${task.datasetId}|${task.model.onnxHash}|${task.model.preprocessHash}`;
  if (fresh || last?.key !== key) {
    const input = functionRuntime().then(({ datasets, cache }) => loadEvaluationInput(datasets, cache, task.datasetId, task.model));
    last = { key, input };
    input.catch(() => {
      if (last?.input === input) last = null;
    });
  }
  return last!.input;
}

/**
 * The dataset and the cached vectors the caller scored. Cache entries are only ever added, so the same count means
 * the same images; a remembered input with another count is reloaded, and a fresh one that still differs is refused.
 */
async function evaluationInput(task: AggregateTask): Promise<EvaluationInput> {
  const remembered = await load(task, false);
  if (remembered.embeddings.rows === task.scoredImages) return remembered;
  const input = await load(task, true);
  if (input.embeddings.rows !== task.scoredImages) {
    throw new Error(
      `aggregate: the cache holds vectors for ${input.embeddings.rows} images of this dataset and model, the caller scored ${task.scoredImages}`,
    );
  }
  return input;
}

export async function handleAggregate(event: unknown): Promise<InvocationAnswer<EncodedPassResult>> {
  return answer(async () => {
    const task = parseAggregateTask(event);
    const input = await evaluationInput(task);
    return computeShard(input.manifest, input.embeddings, parseScoreOptions(task.options), task.request);
  });
}

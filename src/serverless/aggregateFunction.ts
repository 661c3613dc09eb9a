// The aggregate function's work: one shard of one scoring pass, from the dataset and the cached embeddings.
import { UserInputError } from '../errors.js';
import { computeShard, type EncodedPassResult } from '../metric/aggregateShards.js';
import { parseScoreOptions } from '../metric/options.js';
import { loadEvaluationInput } from '../runs/evaluationInput.js';
import type { AggregateTask } from '../runs/executor.js';
import { answer, type InvocationAnswer } from '../runs/invocationEnvelope.js';
import { functionRuntime } from './functionRuntime.js';

function parseAggregateTask(event: unknown): AggregateTask {
  const task = event as Partial<AggregateTask> | null;
  if (typeof task?.datasetId !== 'string' || typeof task.model?.onnxHash !== 'string' || typeof task.model.preprocessHash !== 'string') {
    throw new UserInputError('aggregate task: "datasetId" and "model" { onnxHash, preprocessHash } are required');
  }
  if (typeof task.request !== 'object' || task.request === null) throw new UserInputError('aggregate task: "request" is required');
  return task as AggregateTask;
}

export async function handleAggregate(event: unknown): Promise<InvocationAnswer<EncodedPassResult>> {
  return answer(async () => {
    const task = parseAggregateTask(event);
    const { datasets, cache } = await functionRuntime();
    const input = await loadEvaluationInput(datasets, cache, task.datasetId, task.model);
    return computeShard(input.manifest, input.embeddings, parseScoreOptions(task.options), task.request);
  });
}

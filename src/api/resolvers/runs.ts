// Resolvers of schema/runs.graphql: runs and their evaluations, starting and cancelling them, and run events.
import type { Resolvers } from '../../generated/graphql.js';
import { parseScoreOptions } from '../../metric/options.js';
import type { Run } from '../../generated/prisma/client.js';
import { evaluationResults } from '../../runs/evaluationResults.js';
import type { RunEventKind } from '../../events/runEvents.js';
import { isTerminalStatus } from '../../runs/runService.js';
import { connection, connectionOf } from '../connection.js';
import { engineOptions, metricOptions } from './evaluationOptions.js';
import type { DomainContext } from './domainContext.js';

export function runResolvers({ services, guard, runById }: DomainContext): Resolvers {
  const { auditLog } = services;
  const { prisma, runs, events } = services;
  /**
   * The run now and after each `kind` event, up to and with its first final status (ends early when the events stop).
   * It listens before it reads, so no event between the read and the first wait is missed.
   */
  async function* runStates(kind: RunEventKind, runId: string): AsyncGenerator<Run> {
    const updates = events.subscribe(kind, runId);
    try {
      let run = await runById(runId);
      yield run;
      while (!isTerminalStatus(run.status)) {
        const next = await updates.next();
        if (next.done) return;
        run = await runById(runId);
        yield run;
      }
    } finally {
      await updates.return?.();
    }
  }
  return {
    Query: {
      runs: async (_, args, context) => {
        guard.read(context);
        const where = {
          datasetId: args.datasetId ?? undefined,
          status: args.status ?? undefined,
          evaluations: args.modelId ? { some: { modelId: args.modelId } } : undefined,
        };
        return connection(args, await prisma.run.count({ where }), (skip, take) =>
          prisma.run.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip, take }),
        );
      },
      run: (_, { id }, context) => (guard.read(context), prisma.run.findUnique({ where: { id } })),
    },
    Mutation: auditLog.audited({
      startEvaluation: (_, { input }, context) => {
        guard.require(context, 'evaluate');
        const options = input.options ? engineOptions(input.options) : input.optionsJson;
        return runs.start({ datasetId: input.datasetId, modelIds: input.modelIds, options });
      },
      cancelRun: (_, { id }, context) => (guard.require(context, 'evaluate'), runs.cancel(id)),
    }),
    Subscription: {
      runProgress: {
        subscribe: async function* (_, { runId }, context) {
          guard.read(context);
          for await (const run of runStates('progress', runId)) yield { runProgress: run };
        },
      },
      runCompleted: {
        subscribe: async function* (_, { runId }, context) {
          guard.read(context);
          for await (const run of runStates('completed', runId)) if (isTerminalStatus(run.status)) yield { runCompleted: run };
        },
      },
    },
    Run: {
      dataset: async (r) => (await prisma.dataset.findUnique({ where: { id: r.datasetId } }))!,
      progress: (r) => services.runs.progress(r),
      metricOptions: (r) => metricOptions(parseScoreOptions(r.options)),
      evaluations: (r) => prisma.evaluation.findMany({ where: { runId: r.id }, orderBy: { id: 'asc' }, omit: { perQuery: true } }),
    },
    Evaluation: {
      model: async (e) => (await prisma.model.findUnique({ where: { id: e.modelId } }))!,
      ci95: (e) => (e.ciLow === null || e.ciHigh === null ? null : { low: e.ciLow, high: e.ciHigh }),
      perCategory: (e) => Object.entries(evaluationResults(e).perCategory ?? {}).map(([category, score]) => ({ category, score })),
      retrieval: (e) => {
        const r = evaluationResults(e).retrieval;
        return (
          r && {
            meanTagSimilarityAt: Object.entries(r.meanTagSimilarityAt).map(([k, value]) => ({ k: Number(k), value })),
            ndcgAt10: r.ndcgAt10,
          }
        );
      },
      baselines: (e) => {
        const b = evaluationResults(e).baselines;
        return (
          b && {
            randomEmbeddings: b.randomEmbeddings.score,
            shuffledEmbeddings: b.shuffledEmbeddings.score,
            shuffledTags: b.shuffledTags.score,
          }
        );
      },
      failedImages: (e, args) => connectionOf(args, evaluationResults(e).failedImages),
      notices: (e) => evaluationResults(e).notices,
    },
  };
}

// compareModels: two models' leaderboard evaluations on a dataset compared query by query, each pair computed once.
import { UserInputError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { comparePaired, type PairedComparison } from '../metric/pairedComparison.js';
import { perQueryCorrelations } from '../runs/evaluationResults.js';
import type { LeaderboardRow } from './leaderboard.js';

export interface ModelComparisonResult extends PairedComparison {
  datasetId: string;
  a: LeaderboardRow;
  b: LeaderboardRow;
}

/** An evaluation stored before per-query correlations were: it cannot be compared until the model is evaluated again. */
export class NoPerQueryCorrelations extends UserInputError {
  constructor(evaluationId: string) {
    super(`evaluation "${evaluationId}" has no per-query correlations (it predates them): evaluate the model again`);
  }
}

/** Pairs kept; evaluations never change once they have succeeded, so a kept answer never goes stale. */
const MAX_CACHED_PAIRS = 1000;

export class ModelComparisons {
  private readonly cache = new Map<string, Promise<PairedComparison>>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly leaderboardOf: (datasetId: string) => Promise<LeaderboardRow[]>,
  ) {}

  /** NOT_FOUND when a model has no leaderboard evaluation on the dataset (or the dataset is unknown). */
  async compare(datasetId: string, a: string, b: string): Promise<ModelComparisonResult> {
    if (a === b) throw new UserInputError('compareModels: a and b are the same model');
    const board = await this.leaderboardOf(datasetId);
    const entry = (modelId: string): LeaderboardRow => {
      const row = board.find((r) => r.model.id === modelId);
      if (!row) throw new UserInputError(`model "${modelId}" has no leaderboard evaluation on dataset "${datasetId}"`, 'NOT_FOUND');
      return row;
    };
    const [rowA, rowB] = [entry(a), entry(b)];
    return { datasetId, a: rowA, b: rowB, ...(await this.pair(rowA.evaluation.id, rowB.evaluation.id)) };
  }

  private pair(evaluationA: string, evaluationB: string): Promise<PairedComparison> {
    const key = `${evaluationA}/${evaluationB}`;
    let answer = this.cache.get(key);
    if (!answer) {
      answer = this.compute(evaluationA, evaluationB);
      if (this.cache.size >= MAX_CACHED_PAIRS) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, answer);
      answer.catch(() => this.cache.delete(key));
    }
    return answer;
  }

  private async compute(evaluationA: string, evaluationB: string): Promise<PairedComparison> {
    const rows = await this.prisma.evaluation.findMany({
      where: { id: { in: [evaluationA, evaluationB] } },
      select: { id: true, perQuery: true },
    });
    const perQuery = (id: string): Record<string, number> => {
      const row = rows.find((r) => r.id === id);
      const stored = row && perQueryCorrelations(row);
      if (!stored) throw new NoPerQueryCorrelations(id);
      return stored;
    };
    return comparePaired(perQuery(evaluationA), perQuery(evaluationB));
  }
}

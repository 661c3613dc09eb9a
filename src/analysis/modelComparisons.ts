// compareModels and modelDisagreements: two models' leaderboard evaluations on a dataset compared query by query, each pair computed once.
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

/** One query image's correlation under each of two models. */
export interface QueryDisagreement {
  /** The manifest's image id. */
  imageName: string;
  correlationA: number;
  correlationB: number;
  /** correlationA minus correlationB. */
  difference: number;
}

export interface ModelDisagreementsResult {
  datasetId: string;
  a: LeaderboardRow;
  b: LeaderboardRow;
  sharedQueries: number;
  queries: QueryDisagreement[];
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
    const [rowA, rowB] = await this.entries('compareModels', datasetId, a, b);
    return { datasetId, a: rowA, b: rowB, ...(await this.pair(rowA.evaluation.id, rowB.evaluation.id)) };
  }

  /** The `first` shared queries whose correlations differ most between the two models, largest |difference| first. */
  async disagreements(datasetId: string, a: string, b: string, first: number): Promise<ModelDisagreementsResult> {
    const [rowA, rowB] = await this.entries('modelDisagreements', datasetId, a, b);
    const perQuery = await this.perQuery([rowA.evaluation.id, rowB.evaluation.id]);
    const [byA, byB] = [perQuery(rowA.evaluation.id), perQuery(rowB.evaluation.id)];
    const shared = Object.keys(byA).filter((name) => Object.hasOwn(byB, name));
    const queries = shared
      .map((imageName) => ({
        imageName,
        correlationA: byA[imageName],
        correlationB: byB[imageName],
        difference: byA[imageName] - byB[imageName],
      }))
      .sort((x, y) => Math.abs(y.difference) - Math.abs(x.difference) || x.imageName.localeCompare(y.imageName))
      .slice(0, first);
    return { datasetId, a: rowA, b: rowB, sharedQueries: shared.length, queries };
  }

  /** Both models' leaderboard rows; a BAD_USER_INPUT error for the same model twice, NOT_FOUND for one not on the board. */
  private async entries(operation: string, datasetId: string, a: string, b: string): Promise<[LeaderboardRow, LeaderboardRow]> {
    if (a === b) throw new UserInputError(`${operation}: a and b are the same model`);
    const board = await this.leaderboardOf(datasetId);
    const entry = (modelId: string): LeaderboardRow => {
      const row = board.find((r) => r.model.id === modelId);
      if (!row) throw new UserInputError(`model "${modelId}" has no leaderboard evaluation on dataset "${datasetId}"`, 'NOT_FOUND');
      return row;
    };
    return [entry(a), entry(b)];
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
    const perQuery = await this.perQuery([evaluationA, evaluationB]);
    return comparePaired(perQuery(evaluationA), perQuery(evaluationB));
  }

  /** The evaluations' per-query correlations by image name; NoPerQueryCorrelations for one stored before they were. */
  private async perQuery(evaluationIds: string[]): Promise<(id: string) => Record<string, number>> {
    const rows = await this.prisma.evaluation.findMany({ where: { id: { in: evaluationIds } }, select: { id: true, perQuery: true } });
    return (id) => {
      const row = rows.find((r) => r.id === id);
      const stored = row && perQueryCorrelations(row);
      if (!stored) throw new NoPerQueryCorrelations(id);
      return stored;
    };
  }
}

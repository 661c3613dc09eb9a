// A leaderboard as a client asks for it: filtered by model family, name, size, dimension and speed, sorted by one figure (missing ones last).
import type { LeaderboardFilter, LeaderboardOrderField, OrderDirection } from '../generated/graphql.js';
import { evaluationResults } from '../runs/evaluationResults.js';
import type { LeaderboardRow } from './leaderboard.js';

/** The evaluation's nDCG@10, null when it computed no retrieval figures. */
export function ndcgAt10(row: LeaderboardRow): number | null {
  return evaluationResults(row.evaluation).retrieval?.ndcgAt10 ?? null;
}

const imagesPerSecond = (row: LeaderboardRow): number | null =>
  row.model.embedSeconds > 0 ? row.model.embeddedImages / row.model.embedSeconds : null;

const FIGURES: Record<LeaderboardOrderField, (row: LeaderboardRow) => number | null> = {
  SCORE: (row) => row.score,
  NDCG_AT_10: ndcgAt10,
  IMAGENET_ACCURACY: (row) => row.model.imagenetAcc1,
  PARAMETERS: (row) => row.model.params,
  IMAGES_PER_SECOND: imagesPerSecond,
};

/** Whether the row passes every bound the filter gives (a bound on a missing figure leaves the row out). */
function withinBounds(row: LeaderboardRow, filter: LeaderboardFilter): boolean {
  const atLeast = (value: number | null, bound: number | null | undefined) => bound == null || (value !== null && value >= bound);
  const atMost = (value: number | null, bound: number | null | undefined) => bound == null || (value !== null && value <= bound);
  return (
    atLeast(row.model.dim, filter.minDim) &&
    atMost(row.model.dim, filter.maxDim) &&
    atMost(row.model.params, filter.maxParams) &&
    atLeast(imagesPerSecond(row), filter.minImagesPerSecond)
  );
}

/** The rows that pass the filter, sorted (ties keep the rank order). */
export function leaderboardView(
  rows: readonly LeaderboardRow[],
  filter: LeaderboardFilter,
  order: { field: LeaderboardOrderField; direction: OrderDirection },
): LeaderboardRow[] {
  const family = filter.family?.toLowerCase();
  const name = filter.nameContains?.toLowerCase();
  const kept = rows.filter(
    (row) =>
      (!family || row.model.family?.toLowerCase() === family) &&
      (!name || row.model.name.toLowerCase().includes(name)) &&
      withinBounds(row, filter),
  );
  const figure = FIGURES[order.field];
  const sign = order.direction === 'ASC' ? 1 : -1;
  return kept
    .map((row) => ({ row, value: figure(row) }))
    .sort((x, y) => {
      if (x.value === null || y.value === null) return (x.value === null ? 1 : 0) - (y.value === null ? 1 : 0) || x.row.rank - y.row.rank;
      return sign * (x.value - y.value) || x.row.rank - y.row.rank;
    })
    .map(({ row }) => row);
}

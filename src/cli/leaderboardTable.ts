// Renders leaderboard entries as a terminal table.

export interface LeaderboardRow {
  rank: number;
  score: number;
  ci95: { low: number; high: number } | null;
  model: { name: string; dim: number; metadata: { family: string | null; imagenetAcc1: number | null; params: number | null } };
}

export function renderLeaderboard(rows: LeaderboardRow[]): string {
  if (rows.length === 0) return '(no finished evaluation with the default options yet)';
  const lines = rows.map((r) => [
    String(r.rank),
    r.model.name,
    r.score.toFixed(4),
    r.ci95 ? `[${r.ci95.low.toFixed(4)}, ${r.ci95.high.toFixed(4)}]` : '',
    String(r.model.dim),
    r.model.metadata.family ?? '',
    r.model.metadata.imagenetAcc1 === null ? '' : r.model.metadata.imagenetAcc1.toFixed(1),
    r.model.metadata.params === null ? '' : String(r.model.metadata.params),
  ]);
  const header = ['rank', 'model', 'CorrEmbed', '95% CI', 'dim', 'family', 'acc@1', 'params'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [format(header), ...lines.map(format)].join('\n');
}

export const LEADERBOARD_QUERY = `query Leaderboard($datasetId: ID!) {
  leaderboard(datasetId: $datasetId) { rank score ci95 { low high } model { name dim metadata { family imagenetAcc1 params } } }
}`;

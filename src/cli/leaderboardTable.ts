// Renders leaderboard entries as a terminal table.

export interface LeaderboardRow {
  rank: number;
  score: number;
  ci95: { low: number; high: number } | null;
  model: { name: string; dim: number; metadata: { family: string | null; imagenetAcc1: number | null; params: number | null } };
}

/** Families can be sentences; the table shows their start (the API has them whole). */
const FAMILY_WIDTH = 32;

function shorten(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1).trimEnd()}…`;
}

export function renderLeaderboard(rows: LeaderboardRow[]): string {
  if (rows.length === 0) return '(no finished evaluation with the default options yet)';
  const lines = rows.map((r) => [
    String(r.rank),
    r.model.name,
    r.score.toFixed(4),
    r.ci95 ? `[${r.ci95.low.toFixed(4)}, ${r.ci95.high.toFixed(4)}]` : '',
    String(r.model.dim),
    shorten(r.model.metadata.family ?? '', FAMILY_WIDTH),
    r.model.metadata.imagenetAcc1 === null ? '' : r.model.metadata.imagenetAcc1.toFixed(1),
    r.model.metadata.params === null ? '' : String(r.model.metadata.params),
  ]);
  const header = ['rank', 'model', 'CorrEmbed', '95% CI', 'dim', 'family', 'acc@1', 'params'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [format(header), ...lines.map(format)].join('\n');
}

export const LEADERBOARD_QUERY = `query Leaderboard($datasetId: ID!, $first: Int!) {
  leaderboard(datasetId: $datasetId, first: $first) { edges { node { rank score ci95 { low high } model { name dim metadata { family imagenetAcc1 params } } } } }
}`;

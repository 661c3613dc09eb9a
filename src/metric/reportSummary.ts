// Human-readable rendering of score and weight reports for the terminal and import reports.
import type { CategoryWeightsResult } from './categoryWeights.js';
import type { ScoreReport } from './corrEmbed.js';
import type { QuirkNotice } from './quirkNotices.js';
import { pythonRound } from './rounding.js';

const f4 = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(4));

function describeOptions(report: ScoreReport): string {
  const o = report.options;
  const parts = [
    o.tagWeighting === 'weighted'
      ? `weighted tags${o.roundWeights === null ? '' : ` (weights rounded to ${o.roundWeights}, ${o.weightRounding === 'python' ? "Python's round" : 'half even'})`}`
      : 'binary tags',
    o.tagIdentity === 'name' ? 'tags told apart by name' : 'tags told apart by category and name',
    o.dropCategories.length === 0 ? 'no category dropped' : `dropping ${o.dropCategories.join(', ')}`,
    `${o.representative} image per item`,
    o.includeSelf ? 'own item included' : 'own item excluded',
    o.roundSimilarity === null ? 'similarity unrounded' : `similarity rounded to ${o.roundSimilarity}`,
    o.correlation,
    `${report.precision} cosines`,
  ];
  return parts.join(', ');
}

const noticeLines = (notices: QuirkNotice[]): string[] => notices.map((n) => `  quirk       ${n.message}`);

export function renderScoreSummary(report: ScoreReport): string {
  const lines = [
    `CorrEmbed  ${report.dataset}  (${report.images} images, ${report.items} items, d=${report.dim})`,
    `  score       ${f4(report.score)}${report.ci95 ? `   95% CI [${f4(report.ci95[0])}, ${f4(report.ci95[1])}]` : ''}`,
    `  queries     ${report.queriesUsed} used, ${report.queriesDropped} dropped (constant tag or similarity side)`,
    `  options     ${describeOptions(report)}`,
  ];
  if (report.itemsWithoutImages > 0) lines.push(`  note        ${report.itemsWithoutImages} items have no images and were left out`);
  lines.push(...noticeLines(report.notices));
  if (report.perCategory) {
    lines.push('  per category');
    const entries = Object.entries(report.perCategory).sort((a, b) => (b[1] ?? -Infinity) - (a[1] ?? -Infinity));
    const width = Math.max(...entries.map(([c]) => c.length));
    for (const [category, score] of entries) lines.push(`    ${category.padEnd(width)}  ${f4(score)}`);
  }
  if (report.retrieval) {
    const at = Object.entries(report.retrieval.meanTagSimilarityAt).map(([k, v]) => `@${k} ${f4(v)}`);
    lines.push(`  retrieval   mean tag similarity ${at.join('  ')}   nDCG@10 ${f4(report.retrieval.ndcgAt10)}`);
  }
  if (report.baselines) {
    const b = report.baselines;
    lines.push(
      `  baselines   random embeddings ${f4(b.randomEmbeddings.score)}   shuffled embeddings ${f4(b.shuffledEmbeddings.score)}   shuffled tags ${f4(b.shuffledTags.score)}`,
    );
  }
  lines.push(`  took        ${report.seconds.toFixed(2)} s`);
  return lines.join('\n');
}

export function renderWeightsSummary(result: CategoryWeightsResult): string {
  const entries = Object.entries(result.categoryWeights).sort((a, b) => b[1] - a[1]);
  const width = Math.max(...entries.map(([c]) => c.length));
  return [
    `Category weights from ${result.usersUsed} recurring users (${result.ordersUsed} orders${result.ordersSkipped ? `, ${result.ordersSkipped} skipped` : ''})`,
    ...entries.map(([c, w]) => `  ${c.padEnd(width)}  ${pythonRound(w, 2).toFixed(2)}   (${result.distinctTags[c]} distinct tags)`),
    ...noticeLines(result.notices),
  ].join('\n');
}

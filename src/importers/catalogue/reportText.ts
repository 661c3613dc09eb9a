// The catalogue validation report as text for the terminal.
import { renderWeightsSummary } from '../../metric/reportSummary.js';
import type { CatalogueReport, LineList, TagCount } from './catalogueReport.js';
import { mappingFlags } from './columnMapping.js';

/** Entries of a list printed before "... and N more". */
const SHOWN = 20;
/** Tags printed per category. */
const TAGS_SHOWN = 12;

function more(total: number, shown: number): string {
  return total > shown ? ` ... and ${total - shown} more` : '';
}

function lines(list: LineList): string {
  return list.count === 0
    ? '0'
    : `${list.count} (line${list.count > 1 ? 's' : ''} ${list.lines.slice(0, SHOWN).join(', ')}${more(list.count, Math.min(SHOWN, list.lines.length))})`;
}

function counts(tags: TagCount[]): string {
  return tags.map((t) => `${JSON.stringify(t.name)} ${t.count}`).join(', ');
}

export function renderReport(report: CatalogueReport): string {
  const out = [`catalogue ${report.file} (${report.format}): ${report.rowsRead} rows read`];
  out.push(`mapping: ${mappingFlags(report.mapping)}`);
  if (report.inferred.length > 0)
    out.push(`  (inferred: ${report.inferred.join(', ')}; give these flags, edited, or a --mapping file to change it)`);
  out.push(`good rows: ${report.items} items, ${report.images} images`);
  out.push(`bad rows: ${report.badRowCount}`);
  for (const bad of report.badRows.slice(0, SHOWN)) out.push(`  line ${bad.line}: ${bad.reason}`);
  if (report.badRows.length > SHOWN)
    out.push(`  ... ${report.badRows.length - SHOWN} more reasons (--json lists up to ${report.badRows.length})`);
  const duplicates = report.duplicateIds.slice(0, SHOWN).map((d) => `line ${d.line}: "${d.id}", first on line ${d.firstLine}`);
  out.push(
    `duplicate item ids: ${report.duplicateIdCount}${duplicates.length ? ` (${duplicates.join('; ')}${more(report.duplicateIdCount, duplicates.length)})` : ''}`,
  );
  out.push(`rows without an image: ${lines(report.rowsWithoutImage)}`);
  out.push(`rows without tags: ${lines(report.rowsWithoutTags)}`);
  const shared = report.sharedImages.slice(0, SHOWN).map((s) => `line ${s.line}: ${s.uri}, also on line ${s.firstLine}`);
  out.push(
    `images of several items: ${report.sharedImageCount}${shared.length ? ` (${shared.join('; ')}${more(report.sharedImageCount, shared.length)})` : ''}`,
  );
  out.push('tags per category:');
  for (const c of report.categories) {
    out.push(`  ${c.name}${c.column === c.name ? '' : ` (column ${c.column})`}: ${c.distinctTags} tags on ${c.taggedItems} items`);
    if (c.tags.length > 0)
      out.push(`    ${counts(c.tags.slice(0, TAGS_SHOWN))}${more(c.distinctTags, Math.min(TAGS_SHOWN, c.tags.length))}`);
  }
  out.push(`near-duplicate tags: ${report.nearDuplicateTags.length}`);
  for (const group of report.nearDuplicateTags.slice(0, SHOWN)) out.push(`  ${group.category}: ${counts(group.spellings)}`);
  const check = report.imageCheck;
  const checked =
    check.mode === 'none'
      ? 'not checked'
      : `${check.checked} of ${check.total} checked (${check.mode === 'all' ? 'all' : 'a random sample'})`;
  out.push(`images: ${checked}, ${check.unreadable.length} unreadable`);
  for (const image of check.unreadable.slice(0, SHOWN))
    out.push(`  line ${image.line} (item "${image.item}"): ${image.uri}: ${image.reason}`);
  if (report.weights) out.push(renderWeightsSummary(report.weights));
  if (report.ordersError) out.push(`orders: ${report.ordersError}`);
  const d = report.dataset;
  const existing = d.existingId === null ? '' : ` (already imported: dataset ${d.existingId})`;
  out.push(`dataset: "${d.name}" version ${d.version}: ${d.items} items, ${d.images} images${existing}`);
  return out.join('\n');
}

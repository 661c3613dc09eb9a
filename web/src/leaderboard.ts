// The leaderboard table: rank, score with its interval, model metadata and cost columns, the paired test against the best, sortable by any column.
import { compact, fixed, h, notice, show } from './dom.js';
import type { BoardEntry } from './types.js';

interface Column {
  label: string;
  title: string;
  value: (entry: BoardEntry) => number | string | null;
  cell: (entry: BoardEntry) => Node | string;
  numeric: boolean;
}

function scoreCell(entry: BoardEntry): Node {
  const ci = entry.ci95;
  return h(
    'span',
    { class: 'score' },
    h('strong', {}, fixed(entry.score)),
    ci ? h('span', { class: 'ci', title: '95% bootstrap interval over queries' }, ` [${fixed(ci.low)}, ${fixed(ci.high)}]`) : null,
  );
}

const COLUMNS: Column[] = [
  { label: 'Rank', title: 'Rank by CorrEmbed', value: (e) => e.rank, cell: (e) => String(e.rank), numeric: true },
  {
    label: 'Model',
    title: 'Model name and family',
    value: (e) => e.model.name,
    cell: (e) => h('span', {}, e.model.name, e.model.metadata.family ? h('small', { class: 'family' }, e.model.metadata.family) : null),
    numeric: false,
  },
  { label: 'CorrEmbed', title: 'CorrEmbed score with its 95% interval', value: (e) => e.score, cell: scoreCell, numeric: true },
  {
    label: 'nDCG@10',
    title: 'Retrieval quality of the ranking the model induces',
    value: (e) => e.evaluation.retrieval?.ndcgAt10 ?? null,
    cell: (e) => fixed(e.evaluation.retrieval?.ndcgAt10),
    numeric: true,
  },
  {
    label: 'Acc@1',
    title: 'Top-1 accuracy from the model metadata (%): ImageNet unless the model names another metric',
    value: (e) => e.model.metadata.imagenetAcc1,
    cell: (e) => fixed(e.model.metadata.imagenetAcc1, 2),
    numeric: true,
  },
  {
    label: 'Params',
    title: 'Parameters',
    value: (e) => e.model.metadata.params,
    cell: (e) => compact(e.model.metadata.params),
    numeric: true,
  },
  {
    label: 'GFLOPs',
    title: 'Giga floating-point operations per image',
    value: (e) => e.model.metadata.gflops,
    cell: (e) => fixed(e.model.metadata.gflops, 3),
    numeric: true,
  },
  {
    label: 'Images/s',
    title: 'Measured images per second of one embedding worker (decode, preprocess, infer)',
    value: (e) => e.model.metadata.imagesPerSecond,
    cell: (e) => compact(e.model.metadata.imagesPerSecond),
    numeric: true,
  },
  { label: 'Dim', title: 'Embedding dimension', value: (e) => e.model.dim, cell: (e) => String(e.model.dim), numeric: true },
  {
    label: 'vs best',
    title: 'p-value of the paired test of the best model against this one (compareModels)',
    value: (e) => (e.rank === 1 ? -1 : (e.comparedWithBest?.pValue ?? null)),
    cell: versusBest,
    numeric: true,
  },
];

/** Leading: the best model and those not significantly worse than it (their gap could be noise). */
const leading = (entry: BoardEntry) => entry.rank === 1 || entry.comparedWithBest?.significant === false;

function versusBest(entry: BoardEntry): string {
  if (entry.rank === 1) return 'best';
  const p = entry.comparedWithBest?.pValue;
  return p === null || p === undefined ? '–' : `p ${fixed(p)}`;
}

let sortColumn = 0;
let ascending = true;

function compare(column: Column, a: BoardEntry, b: BoardEntry): number {
  const [x, y] = [column.value(a), column.value(b)];
  if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1; // missing values last either way
  const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
  return ascending ? order : -order;
}

export function renderLeaderboard(container: HTMLElement, entries: BoardEntry[]): void {
  if (entries.length === 0) return show(container, notice('No finished evaluation on this dataset yet: start one under Runs.'));
  const column = COLUMNS[sortColumn];
  const sorted = [...entries].sort((a, b) => compare(column, a, b));
  const header = COLUMNS.map((c, i) =>
    h(
      'th',
      { scope: 'col', class: c.numeric ? 'num' : null, 'aria-sort': i === sortColumn ? (ascending ? 'ascending' : 'descending') : 'none' },
      h(
        'button',
        {
          type: 'button',
          title: `${c.title}. Sort by this column.`,
          onclick: () => {
            ascending = i === sortColumn ? !ascending : !c.numeric || i === 0;
            sortColumn = i;
            renderLeaderboard(container, entries);
            container.querySelectorAll<HTMLButtonElement>('th button')[i]?.focus();
          },
        },
        c.label,
        h('span', { class: 'arrow', 'aria-hidden': 'true' }, i === sortColumn ? (ascending ? ' ▲' : ' ▼') : ''),
      ),
    ),
  );
  const rows = sorted.map((entry) =>
    h(
      'tr',
      { 'data-model': entry.model.name, class: leading(entry) ? 'leading' : null },
      ...COLUMNS.map((c) => h(c.numeric ? 'td' : 'th', c.numeric ? { class: 'num' } : { scope: 'row' }, c.cell(entry))),
    ),
  );
  show(
    container,
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { id: 'leaderboard-table' },
        h(
          'caption',
          {},
          "Models ranked by CorrEmbed (latest evaluation with the paper's default options). Highlighted: the best model and those not significantly worse than it (paired test, p ≥ 0.05). Select a column header to sort.",
        ),
        h('thead', {}, h('tr', {}, ...header)),
        h('tbody', {}, ...rows),
      ),
    ),
  );
}

// The leaderboard: sortable, filtered through the API, with a column chooser, the paired test against the best and downloads.
import { LatestRequest, nodes, type Connection } from './api.js';
import { compact, field, fixed, h, notice, show } from './dom.js';
import { type Records, tableExports } from './exporting.js';
import type { BoardEntry } from './types.js';
import { setUrlValues, urlValue } from './urlState.js';

const MODEL_FIELDS = 'id name dim metadata { family imagenetAcc1 params gflops imagesPerSecond }';
/** What the dashboard reads of a leaderboard entry. */
export const ENTRY_FIELDS = `rank score ci95 { low high } model { ${MODEL_FIELDS} }
  evaluation { queriesUsed perCategory { category score } retrieval { ndcgAt10 } } comparedWithBest { pValue significant }`;
export { MODEL_FIELDS };

interface Column {
  label: string;
  title: string;
  value: (entry: BoardEntry) => number | string | null;
  cell: (entry: BoardEntry, openModel: (id: string) => void) => Node | string;
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

function modelCell(entry: BoardEntry, openModel: (id: string) => void): Node {
  const { id, name, metadata } = entry.model;
  return h(
    'span',
    {},
    h(
      'a',
      {
        href: `?${new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(location.search)), model: id })}#model-section`,
        class: 'model-link',
        onclick: (event: Event) => {
          event.preventDefault();
          openModel(id);
        },
      },
      name,
    ),
    metadata.family ? h('small', { class: 'family' }, metadata.family) : null,
  );
}

const COLUMNS: Column[] = [
  { label: 'Rank', title: 'Rank by CorrEmbed', value: (e) => e.rank, cell: (e) => String(e.rank), numeric: true },
  { label: 'Model', title: 'Model name and family', value: (e) => e.model.name, cell: modelCell, numeric: false },
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

/** The leaderboard's rows as the API gives them, every figure at full precision (the downloads). */
function leaderboardRecords(entries: BoardEntry[]): Records {
  return {
    headers: [
      'rank',
      'model',
      'family',
      'corrEmbed',
      'ci95Low',
      'ci95High',
      'ndcgAt10',
      'accuracy',
      'params',
      'gflops',
      'imagesPerSecond',
      'dim',
      'pValueAgainstBest',
      'leading',
    ],
    rows: entries.map((e) => [
      e.rank,
      e.model.name,
      e.model.metadata.family,
      e.score,
      e.ci95?.low ?? null,
      e.ci95?.high ?? null,
      e.evaluation.retrieval?.ndcgAt10 ?? null,
      e.model.metadata.imagenetAcc1,
      e.model.metadata.params,
      e.model.metadata.gflops,
      e.model.metadata.imagesPerSecond,
      e.model.dim,
      e.comparedWithBest?.pValue ?? null,
      leading(e),
    ]),
  };
}

/** The filter fields of the API's LeaderboardFilter the page offers, with their address keys. */
const FILTERS = [
  { key: 'family', label: 'Family', type: 'select' },
  { key: 'name', label: 'Name contains', type: 'search' },
  { key: 'minDim', label: 'Dimension at least', type: 'number' },
  { key: 'maxDim', label: 'Dimension at most', type: 'number' },
  { key: 'maxParams', label: 'Parameters at most (millions)', type: 'number' },
  { key: 'minSpeed', label: 'Images/s at least', type: 'number' },
] as const;
type FilterKey = (typeof FILTERS)[number]['key'];

/** The API's LeaderboardFilter for the controls' values; null when no filter is set. */
function apiFilter(values: Record<FilterKey, string>): Record<string, string | number> | null {
  const number = (text: string) => (text.trim() === '' || !Number.isFinite(Number(text)) ? undefined : Number(text));
  const filter = Object.fromEntries(
    Object.entries({
      family: values.family || undefined,
      nameContains: values.name.trim() || undefined,
      minDim: number(values.minDim),
      maxDim: number(values.maxDim),
      maxParams: number(values.maxParams) === undefined ? undefined : number(values.maxParams)! * 1e6,
      minImagesPerSecond: number(values.minSpeed),
    }).filter(([, value]) => value !== undefined),
  ) as Record<string, string | number>;
  return Object.keys(filter).length ? filter : null;
}

const FILTERED_QUERY = `query LeaderboardFiltered($datasetId: ID!, $filter: LeaderboardFilter!, $all: Int!) {
  leaderboard(datasetId: $datasetId, filter: $filter, first: $all) { totalCount edges { node { ${ENTRY_FIELDS} } } } }`;

/** The leaderboard panel of one dataset: filters and column chooser above the table, exports below it. */
export function renderLeaderboard(container: HTMLElement, datasetId: string, entries: BoardEntry[], openModel: (id: string) => void): void {
  if (entries.length === 0) return show(container, notice('No finished evaluation on this dataset yet: start one under Runs.'));
  const sortLabel = urlValue('sort');
  let sortColumn = Math.max(
    0,
    COLUMNS.findIndex((c) => c.label === sortLabel),
  );
  let ascending = sortLabel ? urlValue('dir') !== 'desc' : true;
  const hidden = new Set(
    (urlValue('hide') ?? '').split(',').filter((label) => COLUMNS.some((c) => c.label === label && label !== 'Model')),
  );
  let shown = entries;
  /** The rows on screen, in their order: what the downloads hold. */
  let sortedRows: BoardEntry[] = entries;
  const tableBox = h('div', { class: 'table-scroll' });
  const status = h('p', { class: 'muted filter-status', role: 'status', 'aria-live': 'polite' });
  const request = new LatestRequest();

  const families = [...new Set(entries.map((e) => e.model.metadata.family).filter((f): f is string => !!f))].sort();
  const controls = Object.fromEntries(
    FILTERS.map((f) => {
      const id = `leaderboard-${f.key}`;
      const value = urlValue(f.key) ?? '';
      const control =
        f.type === 'select'
          ? h(
              'select',
              { id },
              h('option', { value: '' }, 'Any'),
              ...families.map((family) => h('option', { value: family, selected: family === value }, family)),
            )
          : h('input', { id, type: f.type, value, min: f.type === 'number' ? 0 : null, step: 'any', autocomplete: 'off' });
      return [f.key, control];
    }),
  ) as Record<FilterKey, HTMLInputElement | HTMLSelectElement>;
  const values = () => Object.fromEntries(FILTERS.map((f) => [f.key, controls[f.key].value])) as Record<FilterKey, string>;

  const drawTable = (): void => {
    const visible = COLUMNS.filter((c) => !hidden.has(c.label));
    const column = COLUMNS[sortColumn];
    const compare = (a: BoardEntry, b: BoardEntry): number => {
      const [x, y] = [column.value(a), column.value(b)];
      if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1; // missing values last either way
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return ascending ? order : -order;
    };
    const sorted = [...shown].sort(compare);
    sortedRows = sorted;
    const header = visible.map((c) => {
      const i = COLUMNS.indexOf(c);
      return h(
        'th',
        {
          scope: 'col',
          class: c.numeric ? 'num' : null,
          'aria-sort': i === sortColumn ? (ascending ? 'ascending' : 'descending') : 'none',
        },
        h(
          'button',
          {
            type: 'button',
            title: `${c.title}. Sort by this column.`,
            'data-column': c.label,
            onclick: () => {
              ascending = i === sortColumn ? !ascending : !c.numeric || i === 0;
              sortColumn = i;
              setUrlValues({ sort: c.label, dir: ascending ? 'asc' : 'desc' });
              drawTable();
              tableBox.querySelector<HTMLButtonElement>(`th button[data-column="${c.label}"]`)?.focus();
            },
          },
          c.label,
          h('span', { class: 'arrow', 'aria-hidden': 'true' }, i === sortColumn ? (ascending ? ' ▲' : ' ▼') : ''),
        ),
      );
    });
    const rows = sorted.map((entry) =>
      h(
        'tr',
        { 'data-model': entry.model.name, class: leading(entry) ? 'leading' : null },
        ...visible.map((c) => h(c.numeric ? 'td' : 'th', c.numeric ? { class: 'num' } : { scope: 'row' }, c.cell(entry, openModel))),
      ),
    );
    show(
      tableBox,
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
      sorted.length === 0 ? notice('No model passes these filters.') : null,
    );
  };

  const applyFilters = async (): Promise<void> => {
    const current = values();
    setUrlValues(current);
    const filter = apiFilter(current);
    if (!filter) {
      request.cancel();
      shown = entries;
      show(status, `${entries.length} models.`);
      return drawTable();
    }
    show(status, 'Filtering…');
    try {
      const { leaderboard } = await request.send<{ leaderboard: Connection<BoardEntry> & { totalCount: number } }>(FILTERED_QUERY, {
        datasetId,
        filter,
        all: 1000,
      });
      shown = nodes(leaderboard);
      show(status, `${leaderboard.totalCount} of ${entries.length} models pass the filters.`);
      drawTable();
    } catch (error) {
      show(status, notice((error as Error).message, 'error'));
    }
  };
  let typing: ReturnType<typeof setTimeout> | undefined;
  for (const control of Object.values(controls)) {
    control.addEventListener('change', () => void applyFilters());
    control.addEventListener('input', () => {
      clearTimeout(typing);
      typing = setTimeout(() => void applyFilters(), 300);
    });
  }
  const chooser = h(
    'details',
    { class: 'column-chooser' },
    h('summary', {}, 'Columns'),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Columns shown'),
      ...COLUMNS.filter((c) => c.label !== 'Model').map((c) =>
        h(
          'label',
          { class: 'check' },
          h('input', {
            type: 'checkbox',
            checked: !hidden.has(c.label),
            onchange: (event: Event) => {
              if ((event.target as HTMLInputElement).checked) hidden.delete(c.label);
              else hidden.add(c.label);
              setUrlValues({ hide: [...hidden].join(',') });
              drawTable();
            },
          }),
          c.label,
        ),
      ),
    ),
  );
  show(
    container,
    h(
      'div',
      { class: 'controls filters', role: 'search', 'aria-label': 'Filter the leaderboard' },
      ...FILTERS.map((f) => field(f.label, controls[f.key])),
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            for (const control of Object.values(controls)) control.value = '';
            void applyFilters();
          },
        },
        'Clear filters',
      ),
    ),
    chooser,
    status,
    tableBox,
    tableExports('leaderboard', () => leaderboardRecords(sortedRows)),
  );
  void applyFilters();
}

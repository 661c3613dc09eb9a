// Runs: start an evaluation, watch it live (runProgress, runCompleted), cancel it, page the history, compare two runs.
import { apiKey, gql, LatestRequest, nodes, setApiKey, subscribe, type Connection } from './api.js';
import { field, fixed, h, notice, show } from './dom.js';
import { tableExports } from './exporting.js';
import type { ModelInfo, RunInfo } from './types.js';
import { setUrlValues, urlValue } from './urlState.js';

const RUN_FIELDS = 'id status progress { done total } error createdAt finishedAt evaluations { model { id name } status score }';
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const PAGE = 8;

/** Subscriptions of the runs on screen, ended when the list is drawn again. */
let watching: (() => void)[] = [];
/** The run list on screen: a newer listing (another dataset, a run just started) drops the answer to an older one. */
const listRequest = new LatestRequest();

const shortId = (run: RunInfo) => `…${run.id.slice(-8)}`;
const runName = (run: RunInfo) => `Run ${shortId(run)} (${new Date(run.createdAt).toLocaleString()}, ${run.status.toLowerCase()})`;

/** What the key and cancel actions report through. */
interface RunActions {
  cancel(run: RunInfo): void;
}

function runRow(run: RunInfo, actions: RunActions): HTMLElement {
  const percent = run.progress.total ? Math.round((100 * run.progress.done) / run.progress.total) : TERMINAL.has(run.status) ? 100 : 0;
  const status = run.status.toLowerCase();
  const label = `Run ${run.id.slice(-8)}: ${status}, ${run.progress.done} of ${run.progress.total} images embedded`;
  return h(
    'li',
    { class: `run ${status}`, 'data-run-id': run.id, 'data-status': status },
    h(
      'div',
      { class: 'run-head' },
      h('span', { class: 'run-id' }, `Run ${shortId(run)}`),
      h('span', { class: `status ${status}` }, status),
      h('span', { class: 'muted' }, new Date(run.createdAt).toLocaleString()),
      TERMINAL.has(run.status)
        ? null
        : h('button', { type: 'button', class: 'cancel', onclick: () => actions.cancel(run) }, `Cancel run ${shortId(run)}`),
    ),
    h('progress', { max: 100, value: percent, 'aria-label': label }),
    h('span', { class: 'muted progress-text' }, `${run.progress.done} / ${run.progress.total} images (${percent}%)`),
    run.error ? notice(run.error, 'error') : null,
    h(
      'ul',
      { class: 'run-models' },
      ...run.evaluations.map((e) =>
        h('li', {}, `${e.model.name}: `, e.score === null ? e.status.toLowerCase() : h('strong', {}, fixed(e.score))),
      ),
    ),
  );
}

/** The two runs' scores side by side, model by model. */
function runComparison(a: RunInfo, b: RunInfo): HTMLElement {
  const models = [...new Map([...a.evaluations, ...b.evaluations].map((e) => [e.model.id, e.model.name])).entries()];
  const scoreIn = (run: RunInfo, id: string) => run.evaluations.find((e) => e.model.id === id)?.score ?? null;
  return h(
    'table',
    { id: 'run-comparison-table' },
    h('caption', {}, `${runName(a)} against ${runName(b)}: each model's CorrEmbed in both runs.`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Model'),
        h('th', { scope: 'col', class: 'num' }, `Run ${shortId(a)}`),
        h('th', { scope: 'col', class: 'num' }, `Run ${shortId(b)}`),
        h('th', { scope: 'col', class: 'num' }, 'Difference'),
      ),
    ),
    h(
      'tbody',
      {},
      ...models.map(([id, name]) => {
        const [x, y] = [scoreIn(a, id), scoreIn(b, id)];
        return h(
          'tr',
          { 'data-model': name },
          h('th', { scope: 'row' }, name),
          h('td', { class: 'num' }, fixed(x)),
          h('td', { class: 'num' }, fixed(y)),
          h('td', { class: 'num' }, x === null || y === null ? '–' : fixed(x - y)),
        );
      }),
    ),
  );
}

export function renderRuns(container: HTMLElement, datasetId: string, models: ModelInfo[], onCompleted: () => void): void {
  const keyInput = h('input', {
    id: 'run-key',
    type: 'password',
    autocomplete: 'off',
    value: apiKey(),
    placeholder: 'ce_…',
    'aria-describedby': 'run-key-help',
  });
  const boxes = models.map((m) => h('input', { type: 'checkbox', id: `run-model-${m.id}`, value: m.id, checked: true }));
  const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  const list = h('ol', { class: 'runs', 'aria-label': 'Recent runs', reversed: true });
  const more = h('div', { class: 'more' });
  const compareBox = h('div', { class: 'run-compare' });
  const compareResult = h('div', { class: 'table-scroll' });
  let loaded: RunInfo[] = [];
  let endCursor: string | null = null;

  const keyError = (error: Error & { code?: string }) =>
    error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN'
      ? `${error.message} (an API key with the evaluate scope is needed)`
      : error.message;

  const actions: RunActions = {
    cancel: (run) => {
      setApiKey(keyInput.value.trim());
      status.textContent = `Cancelling run ${shortId(run)}…`;
      gql<{ cancelRun: RunInfo }>(`mutation Cancel($id: ID!) { cancelRun(id: $id) { ${RUN_FIELDS} } }`, { id: run.id })
        .then(({ cancelRun }) => {
          status.textContent = `Run ${shortId(cancelRun)} ${cancelRun.status.toLowerCase()}.`;
          replace(cancelRun);
        })
        .catch((error: Error & { code?: string }) => (status.textContent = keyError(error)));
    },
  };

  const replace = (next: RunInfo): void => {
    loaded = loaded.map((run) => (run.id === next.id ? next : run));
    list.querySelector(`[data-run-id="${next.id}"]`)?.replaceWith(runRow(next, actions));
    drawCompare();
  };

  const watch = (run: RunInfo): void => {
    const report = (error: Error) =>
      list.querySelector(`[data-run-id="${run.id}"]`)?.append(notice(`Live updates stopped: ${error.message}`, 'error'));
    watching.push(
      subscribe<{ runProgress: RunInfo }>(
        `subscription Progress($runId: ID!) { runProgress(runId: $runId) { ${RUN_FIELDS} } }`,
        { runId: run.id },
        { next: (data) => replace(data.runProgress), error: report, complete: () => undefined },
      ),
    );
    watching.push(
      subscribe<{ runCompleted: RunInfo }>(
        `subscription Completed($runId: ID!) { runCompleted(runId: $runId) { ${RUN_FIELDS} } }`,
        { runId: run.id },
        {
          next: (data) => {
            replace(data.runCompleted);
            onCompleted();
          },
          error: report,
          complete: () => undefined,
        },
      ),
    );
  };

  const compareSelects = ['a', 'b'].map((side) => h('select', { id: `run-compare-${side}`, onchange: () => drawCompare(true) }));
  function drawCompare(chosen = false): void {
    if (loaded.length < 2) return show(compareBox);
    const [a, b] = compareSelects;
    const previous = chosen ? [a.value, b.value] : [a.value || urlValue('runA'), b.value || urlValue('runB')];
    compareSelects.forEach((select, i) => {
      const wanted = previous[i] && loaded.some((r) => r.id === previous[i]) ? previous[i] : loaded[i].id;
      show(select, ...loaded.map((run) => h('option', { value: run.id, selected: run.id === wanted }, runName(run))));
    });
    if (chosen) setUrlValues({ runA: a.value, runB: b.value });
    const [runA, runB] = [loaded.find((r) => r.id === a.value)!, loaded.find((r) => r.id === b.value)!];
    show(compareResult, runA.id === runB.id ? notice('Pick two different runs.') : runComparison(runA, runB));
    if (!compareBox.firstChild)
      show(
        compareBox,
        h('h3', {}, 'Compare two runs'),
        h('div', { class: 'controls' }, field('Run', a), field('against', b)),
        compareResult,
        tableExports('run-comparison', () => compareResult.querySelector('table')),
      );
  }

  const loadRuns = async (append: boolean): Promise<void> => {
    if (!append) {
      watching.forEach((stop) => stop());
      watching = [];
    }
    try {
      const page = (
        await listRequest.send<{
          runs: Connection<RunInfo> & { totalCount: number; pageInfo: { endCursor: string | null; hasNextPage: boolean } };
        }>(
          `query Runs($datasetId: ID!, $first: Int!, $after: String) { runs(datasetId: $datasetId, first: $first, after: $after) {
            totalCount pageInfo { endCursor hasNextPage } edges { node { ${RUN_FIELDS} } } } }`,
          { datasetId, first: PAGE, after: append ? endCursor : null },
        )
      ).runs;
      const runs = nodes(page);
      endCursor = page.pageInfo.endCursor;
      loaded = append ? [...loaded, ...runs] : runs;
      if (loaded.length === 0) {
        show(list, notice('No runs on this dataset yet.'));
      } else {
        if (append) list.append(...runs.map((run) => runRow(run, actions)));
        else show(list, ...runs.map((run) => runRow(run, actions)));
      }
      for (const run of runs) if (!TERMINAL.has(run.status)) watch(run);
      show(
        more,
        h('p', { class: 'muted' }, `${loaded.length} of ${page.totalCount} runs.`),
        page.pageInfo.hasNextPage ? h('button', { type: 'button', onclick: () => void loadRuns(true) }, 'Show older runs') : null,
      );
      drawCompare();
    } catch (error) {
      show(list, notice((error as Error).message, 'error'));
    }
  };

  const form = h(
    'form',
    { class: 'run-form', 'aria-label': 'Start an evaluation' },
    field('API key (evaluate scope)', keyInput),
    h(
      'small',
      { id: 'run-key-help', class: 'muted' },
      'Kept in this browser tab only. `npm start` prints an admin key at the first start.',
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Models'),
      ...models.map((m, i) => h('label', { class: 'check', for: `run-model-${m.id}` }, boxes[i], m.name)),
    ),
    h('button', { type: 'submit' }, 'Start evaluation'),
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    setApiKey(keyInput.value.trim());
    const modelIds = boxes.filter((b) => b.checked).map((b) => b.value);
    if (modelIds.length === 0) return void (status.textContent = 'Pick at least one model.');
    status.textContent = 'Starting…';
    gql<{ startEvaluation: RunInfo }>(
      `mutation Start($input: StartEvaluationInput!) { startEvaluation(input: $input) { ${RUN_FIELDS} } }`,
      {
        input: { datasetId, modelIds },
      },
    )
      .then(({ startEvaluation }) => {
        status.textContent = `Run ${shortId(startEvaluation)} started with ${modelIds.length} model${modelIds.length > 1 ? 's' : ''}.`;
        return loadRuns(false);
      })
      .catch((error: Error & { code?: string }) => (status.textContent = keyError(error)));
  });
  show(
    container,
    models.length ? form : notice('Register a model to start evaluations.'),
    h('h3', {}, 'Run history'),
    list,
    more,
    compareBox,
  );
  void loadRuns(false);
}

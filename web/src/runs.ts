// Runs: start an evaluation with an API key and watch live progress bars fed by the runProgress and runCompleted subscriptions.
import { apiKey, gql, LatestRequest, nodes, setApiKey, subscribe, type Connection } from './api.js';
import { fixed, h, notice, show } from './dom.js';
import type { ModelInfo, RunInfo } from './types.js';

const RUN_FIELDS = 'id status progress { done total } error createdAt finishedAt evaluations { model { name } status score }';
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

/** Subscriptions of the runs on screen, ended when the list is drawn again. */
let watching: (() => void)[] = [];
/** The run list on screen: a newer listing (another dataset, a run just started) drops the answer to an older one. */
const listRequest = new LatestRequest();

function runRow(run: RunInfo): HTMLElement {
  const percent = run.progress.total ? Math.round((100 * run.progress.done) / run.progress.total) : TERMINAL.has(run.status) ? 100 : 0;
  const status = run.status.toLowerCase();
  const label = `Run ${run.id.slice(-8)}: ${status}, ${run.progress.done} of ${run.progress.total} images embedded`;
  return h(
    'li',
    { class: `run ${status}`, 'data-run-id': run.id, 'data-status': status },
    h(
      'div',
      { class: 'run-head' },
      h('span', { class: 'run-id' }, `Run …${run.id.slice(-8)}`),
      h('span', { class: `status ${status}` }, status),
      h('span', { class: 'muted' }, new Date(run.createdAt).toLocaleString()),
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

function watch(list: HTMLElement, run: RunInfo, onCompleted: () => void): void {
  const replace = (next: RunInfo): void => {
    const current = list.querySelector(`[data-run-id="${next.id}"]`);
    if (current) current.replaceWith(runRow(next));
  };
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
}

async function loadRuns(list: HTMLElement, datasetId: string, onCompleted: () => void): Promise<void> {
  watching.forEach((stop) => stop());
  watching = [];
  try {
    const runs = nodes(
      (
        await listRequest.send<{ runs: Connection<RunInfo> }>(
          `query Runs($datasetId: ID!) { runs(datasetId: $datasetId, first: 8) { edges { node { ${RUN_FIELDS} } } } }`,
          { datasetId },
        )
      ).runs,
    );
    if (runs.length === 0) return show(list, notice('No runs on this dataset yet.'));
    show(list, ...runs.map(runRow));
    for (const run of runs) if (!TERMINAL.has(run.status)) watch(list, run, onCompleted);
  } catch (error) {
    show(list, notice((error as Error).message, 'error'));
  }
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
  const form = h(
    'form',
    { class: 'run-form', 'aria-label': 'Start an evaluation' },
    h('label', { for: 'run-key' }, 'API key (evaluate scope)', keyInput),
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
      { input: { datasetId, modelIds } },
    )
      .then(({ startEvaluation }) => {
        status.textContent = `Run …${startEvaluation.id.slice(-8)} started with ${modelIds.length} model${modelIds.length > 1 ? 's' : ''}.`;
        return loadRuns(list, datasetId, onCompleted);
      })
      .catch((error: Error & { code?: string }) => {
        status.textContent =
          error.code === 'UNAUTHENTICATED' || error.code === 'FORBIDDEN'
            ? `${error.message} (an API key with the evaluate scope is needed)`
            : error.message;
      });
  });
  show(container, models.length ? form : notice('Register a model to start evaluations.'), h('h3', {}, 'Recent runs'), list);
  void loadRuns(list, datasetId, onCompleted);
}

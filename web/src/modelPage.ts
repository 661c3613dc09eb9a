// A page per model: manifest, preprocessing, metadata, per-category scores, failed images and runs on the dataset.
import { LatestRequest, nodes, type Connection } from './api.js';
import { compact, field, fixed, h, notice, show } from './dom.js';
import { tableExports } from './exporting.js';
import type { ModelInfo } from './types.js';
import { setUrlValues, urlValue } from './urlState.js';

interface ModelDetails {
  id: string;
  name: string;
  dim: number;
  inputName: string;
  layout: string;
  outputName: string;
  onnxHash: string;
  createdAt: string;
  preprocess: { resize: number; crop: number; interpolation: string; mean: number[]; std: number[] };
  metadata: ModelInfo['metadata'] & { imagenetAcc5: number | null; accuracyMetric: string | null };
}

interface ModelEvaluation {
  id: string;
  model: { id: string };
  status: string;
  score: number | null;
  queriesUsed: number | null;
  perCategory: { category: string; score: number | null }[];
}

type FailedImages = Connection<{ imageId: string; error: string }> & { totalCount: number };

interface ModelRun {
  id: string;
  status: string;
  createdAt: string;
  evaluations: ModelEvaluation[];
}

const QUERY = `query ModelPage($id: ID!, $datasetId: ID!) {
  model(id: $id) { id name dim inputName layout outputName onnxHash createdAt
    preprocess { resize crop interpolation mean std }
    metadata { family imagenetAcc1 imagenetAcc5 accuracyMetric params gflops imagesPerSecond } }
  runs(datasetId: $datasetId, modelId: $id, first: 20) { totalCount edges { node { id status createdAt
    evaluations { id model { id } status score queriesUsed perCategory { category score } } } } } }`;
const FAILED_SHOWN = 50;
const FAILED_QUERY = `query FailedImages($id: ID!, $first: Int!) { node(id: $id) { ... on Evaluation {
  failedImages(first: $first) { totalCount edges { node { imageId error } } } } } }`;

function facts(title: string, rows: [string, string][]): HTMLElement {
  return h(
    'section',
    { class: 'facts', 'aria-label': title },
    h('h3', {}, title),
    h('dl', {}, ...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
  );
}

/** A table with its CSV and JSON downloads (named after its id). */
function smallTable(id: string, caption: string, headers: string[], rows: (string | number)[][]): HTMLElement {
  const table = h(
    'table',
    { id: `model-${id}-table` },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...headers.map((header) => h('th', { scope: 'col' }, header)))),
    h(
      'tbody',
      {},
      ...rows.map(([first, ...rest]) => h('tr', {}, h('th', { scope: 'row' }, String(first)), ...rest.map((v) => h('td', {}, String(v))))),
    ),
  );
  return h(
    'div',
    {},
    h('div', { class: 'table-scroll' }, table),
    tableExports(`model-${id}`, () => table),
  );
}

const own = (run: ModelRun, modelId: string) => run.evaluations.find((e) => e.model.id === modelId)!;

function details(model: ModelDetails, runs: ModelRun[], totalRuns: number, failed: FailedImages | null): HTMLElement[] {
  const latest = runs.map((run) => own(run, model.id)).find((e) => e.status === 'SUCCEEDED') ?? null;
  const { metadata: m, preprocess: p } = model;
  return [
    h('h3', { id: 'model-name' }, model.name),
    h(
      'div',
      { class: 'facts-grid' },
      facts('Manifest', [
        ['Embedding dimension', String(model.dim)],
        ['Input', `${model.inputName} (${model.layout})`],
        ['Output', model.outputName],
        ['ONNX SHA-256', model.onnxHash],
        ['Registered', new Date(model.createdAt).toLocaleString()],
      ]),
      facts('Preprocessing', [
        ['Resize', `${p.resize} px (${p.interpolation.toLowerCase()})`],
        ['Centre crop', `${p.crop} px`],
        ['Mean', p.mean.map((v) => fixed(v, 3)).join(', ')],
        ['Std', p.std.map((v) => fixed(v, 3)).join(', ')],
      ]),
      facts('Metadata', [
        ['Family', m.family ?? '–'],
        [m.accuracyMetric ?? 'ImageNet top-1 accuracy', fixed(m.imagenetAcc1, 2)],
        ['Top-5 accuracy', fixed(m.imagenetAcc5, 2)],
        ['Parameters', compact(m.params)],
        ['GFLOPs', fixed(m.gflops, 3)],
        ['Images/s (measured)', compact(m.imagesPerSecond)],
      ]),
    ),
    latest
      ? smallTable(
          'categories',
          `Per-category CorrEmbed of the latest finished evaluation (overall ${fixed(latest.score)} over ${latest.queriesUsed ?? '–'} queries).`,
          ['Category', 'CorrEmbed'],
          latest.perCategory.map((c) => [c.category, fixed(c.score)]),
        )
      : notice('No finished evaluation of this model on this dataset yet.'),
    failed
      ? failed.totalCount === 0
        ? h('p', { class: 'failed-images' }, 'Failed images: none (every image embedded).')
        : smallTable(
            'failed-images',
            `Failed images: ${failed.totalCount} (left out of the score)${failed.totalCount > FAILED_SHOWN ? `, the first ${FAILED_SHOWN}` : ''}.`,
            ['Image', 'Error'],
            nodes(failed).map((f) => [f.imageId, f.error]),
          )
      : null,
    runs.length
      ? smallTable(
          'runs',
          `Its runs on this dataset: ${runs.length} of ${totalRuns}, newest first.`,
          ['Run', 'Started', 'Status', 'CorrEmbed'],
          runs.map((run) => [
            `…${run.id.slice(-8)}`,
            new Date(run.createdAt).toLocaleString(),
            own(run, model.id).status.toLowerCase(),
            fixed(own(run, model.id).score),
          ]),
        )
      : h('p', { class: 'muted' }, 'No runs of this model on this dataset.'),
  ].filter((e): e is HTMLElement => e !== null);
}

/** The panel; returns the function that opens a model in it (the leaderboard's model links call it). */
export function renderModelPage(container: HTMLElement, datasetId: string, models: ModelInfo[]): (id: string) => void {
  if (models.length === 0) {
    show(container, notice('Register a model to see its page.'));
    return () => undefined;
  }
  const select = h('select', { id: 'model-page-model' }, ...models.map((m) => h('option', { value: m.id }, m.name)));
  const wanted = urlValue('model');
  if (wanted && models.some((m) => m.id === wanted)) select.value = wanted;
  const body = h('div', { 'aria-live': 'polite' });
  const request = new LatestRequest();
  const failedRequest = new LatestRequest();
  const load = async (): Promise<void> => {
    setUrlValues({ model: select.value });
    show(body, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const answer = await request.send<{ model: ModelDetails | null; runs: Connection<ModelRun> & { totalCount: number } }>(QUERY, {
        id: select.value,
        datasetId,
      });
      if (!answer.model) return show(body, notice('This model is no longer registered.', 'error'));
      const runs = nodes(answer.runs);
      const latest = runs.map((run) => own(run, select.value)).find((e) => e.status === 'SUCCEEDED');
      const failed = latest
        ? (await failedRequest.send<{ node: { failedImages: FailedImages } }>(FAILED_QUERY, { id: latest.id, first: FAILED_SHOWN })).node
            .failedImages
        : null;
      show(body, ...details(answer.model, runs, answer.runs.totalCount, failed));
    } catch (error) {
      show(body, notice((error as Error).message, 'error'));
    }
  };
  select.addEventListener('change', () => void load());
  show(container, h('div', { class: 'controls' }, field('Model', select)), body);
  void load();
  return (id) => {
    if (![...select.options].some((o) => o.value === id)) return;
    select.value = id;
    void load();
    document.getElementById('model-section')?.scrollIntoView();
    select.focus();
  };
}

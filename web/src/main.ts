// The dashboard's entry point: picks a dataset and draws every panel from the GraphQL API, choices restored from the address.
import '../style.css';
import { gql, LatestRequest, nodes, type Connection } from './api.js';
import { renderComparison } from './comparison.js';
import { renderCost } from './cost.js';
import { renderDisagreements } from './disagreements.js';
import { h, notice, show } from './dom.js';
import { renderGallery } from './gallery.js';
import { renderHeatmap } from './heatmap.js';
import { ENTRY_FIELDS, MODEL_FIELDS, renderLeaderboard } from './leaderboard.js';
import { renderModelPage } from './modelPage.js';
import { renderProjection } from './projection.js';
import { renderRuns } from './runs.js';
import { FIT_FIELDS, renderScatter } from './scatter.js';
import type { AccuracyFit, BoardEntry, DatasetInfo, ModelInfo } from './types.js';
import { setUrlValues, urlValue } from './urlState.js';

/** Every entry of a list the dashboard shows whole (the API's largest page). */
const ALL = 1000;
const BOARD_QUERY = `query Board($datasetId: ID!, $all: Int!) {
  dataset(id: $datasetId) { id name imageCount itemCount categories { name weight tagCount } }
  leaderboard(datasetId: $datasetId, first: $all) { edges { node { ${ENTRY_FIELDS} } } }
  accuracyFit(datasetId: $datasetId) { ${FIT_FIELDS} }
  models(first: $all) { edges { node { ${MODEL_FIELDS} } } }
}`;

interface Board {
  dataset: DatasetInfo | null;
  leaderboard: BoardEntry[];
  accuracyFit: AccuracyFit;
  models: ModelInfo[];
}

interface BoardAnswer extends Omit<Board, 'leaderboard' | 'models'> {
  leaderboard: Connection<BoardEntry>;
  models: Connection<ModelInfo>;
}

const panel = (id: string) => document.getElementById(id)!;
const PANELS = ['leaderboard', 'model', 'scatter', 'heatmap', 'cost', 'disagreements', 'gallery', 'projection', 'runs'];
/** The board of the dataset on screen: choosing another dataset drops the answer for the one before. */
const boardRequest = new LatestRequest();

/** The same message in every panel (loading, no dataset, the API unreachable). */
function showEverywhere(message: () => HTMLElement): void {
  for (const id of PANELS) show(panel(id), message());
}

function describeDataset(dataset: DatasetInfo): HTMLElement {
  const categories = dataset.categories.map((c) => `${c.name}${c.weight === null ? '' : ` (weight ${c.weight})`}`).join(', ');
  return h('p', { class: 'dataset-summary' }, `${dataset.imageCount} images of ${dataset.itemCount} items; tag categories: ${categories}.`);
}

/** Draws the panels that change when a run completes; returns what it read. */
async function drawBoard(datasetId: string): Promise<Board> {
  const answer = await boardRequest.send<BoardAnswer>(BOARD_QUERY, { datasetId, all: ALL });
  const board: Board = { ...answer, leaderboard: nodes(answer.leaderboard), models: nodes(answer.models) };
  if (!board.dataset) throw new Error(`dataset ${datasetId} not found`);
  show(panel('dataset-summary'), describeDataset(board.dataset));
  const openModel = renderModelPage(panel('model'), datasetId, board.models);
  renderLeaderboard(panel('leaderboard'), datasetId, board.leaderboard, openModel);
  renderComparison(
    panel('comparison'),
    datasetId,
    board.leaderboard.map((e) => e.model),
  );
  renderScatter(panel('scatter'), datasetId, board.accuracyFit);
  renderHeatmap(panel('heatmap'), board.leaderboard);
  renderCost(panel('cost'), board.leaderboard);
  return board;
}

async function drawDataset(datasetId: string, isCurrent: () => boolean): Promise<void> {
  show(panel('dataset-summary'));
  show(panel('comparison'));
  showEverywhere(() => h('p', { class: 'muted' }, 'Loading…'));
  try {
    const board = await drawBoard(datasetId);
    let evaluated = board.leaderboard.map((e) => e.model);
    const drawExplorers = (models: ModelInfo[]) => {
      const openQuery = renderGallery(panel('gallery'), datasetId, models);
      renderDisagreements(panel('disagreements'), datasetId, models, openQuery);
      renderProjection(panel('projection'), board.dataset!, models, openQuery);
    };
    drawExplorers(evaluated);
    renderRuns(panel('runs'), datasetId, board.models, () => {
      if (!isCurrent()) return;
      void drawBoard(datasetId).then((next) => {
        const models = next.leaderboard.map((e) => e.model);
        if (models.map((m) => m.id).join() !== evaluated.map((m) => m.id).join()) drawExplorers((evaluated = models));
      });
    });
  } catch (error) {
    const message = `This dataset could not be loaded: ${(error as Error).message}`;
    showEverywhere(() => notice(message, 'error'));
  }
}

async function start(): Promise<void> {
  const select = document.getElementById('dataset') as HTMLSelectElement;
  try {
    const datasets = nodes(
      (
        await gql<{ datasets: Connection<{ id: string; name: string }> }>(
          'query Datasets($all: Int!) { datasets(first: $all) { edges { node { id name } } } }',
          { all: ALL },
        )
      ).datasets,
    );
    if (datasets.length === 0) {
      show(select, h('option', {}, 'No dataset yet'));
      select.disabled = true;
      return showEverywhere(() =>
        notice('No dataset yet: import one (corrembed import or the importDataset mutation), then reload this page.'),
      );
    }
    const wanted = urlValue('dataset');
    show(select, ...datasets.map((d) => h('option', { value: d.id, selected: d.id === wanted }, d.name)));
    const draw = () => {
      const datasetId = select.value;
      setUrlValues({ dataset: datasetId });
      return drawDataset(datasetId, () => select.value === datasetId);
    };
    select.addEventListener('change', () => {
      // The other choices (models, a query image, filters) belong to the dataset before.
      history.replaceState(null, '', `?dataset=${encodeURIComponent(select.value)}`);
      void draw();
    });
    await draw();
  } catch (error) {
    show(select, h('option', {}, 'Unavailable'));
    select.disabled = true;
    const message = `The API did not answer: ${(error as Error).message}. Reload the page to try again.`;
    showEverywhere(() => notice(message, 'error'));
  }
}

void start();

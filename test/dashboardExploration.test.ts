// The dashboard's exploration features in chromium, found by role and name and checked against the API.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { type DashboardPlatform, startDashboardPlatform } from './support/dashboardPlatform.js';
import { elementsOutside, holdAnswers, lowContrastText, unlabelledControls } from './support/browser.js';

let dashboard: DashboardPlatform;
let page: Page;
let board: BoardEntry[];

interface BoardEntry {
  rank: number;
  score: number;
  model: { id: string; name: string; dim: number; metadata: { params: number | null; imagesPerSecond: number | null } };
}

const region = (name: string): Locator => page.getByRole('region', { name, exact: true });

before(async () => {
  dashboard = await startDashboardPlatform();
  // This process takes no new run from here on, so a run the page starts waits in the queue until it is cancelled.
  dashboard.platform.platform.runs.beginShutdown();
  page = await dashboard.browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) => assert.fail(`page error: ${error.message}`));
  board = (
    await dashboard.api<{ leaderboard: { edges: { node: BoardEntry }[] } }>(
      'query ($d: ID!) { leaderboard(datasetId: $d) { edges { node { rank score model { id name dim metadata { params imagesPerSecond } } } } } }',
      { d: dashboard.demo.datasetId },
    )
  ).leaderboard.edges.map((e) => e.node);
  await page.goto(`${dashboard.home}?dataset=${dashboard.demo.datasetId}`);
  await region('Leaderboard').getByRole('table').locator('tbody tr').first().waitFor();
});

after(() => dashboard?.close());

const rowModels = (table: Locator) => table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-model')));

/** Draws a lasso just inside the map's edges with the mouse (lasso mode on): every point in view is selected. */
async function lassoAll(on: Page, canvas: Locator): Promise<void> {
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  await on.mouse.move(box.x + 2, box.y + 2);
  await on.mouse.down();
  for (const [x, y] of [
    [box.width - 2, 2],
    [box.width - 2, box.height - 2],
    [2, box.height - 2],
    [2, 3],
  ])
    await on.mouse.move(box.x + x, box.y + y, { steps: 4 });
  await on.mouse.up();
}

/** Clicks a download button and returns what the browser saved. */
async function downloaded(button: Locator): Promise<{ name: string; content: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  return { name: download.suggestedFilename(), content: await readFile((await download.path())!) };
}

test('the new panels are labelled regions, and every control on the page has a name', async () => {
  for (const name of ['Model', 'Cost versus CorrEmbed', 'Where do these models disagree?', 'Embedding map', 'Runs'])
    assert.equal(await region(name).count(), 1, name);
  await region('Embedding map').locator('canvas').waitFor();
  assert.deepEqual(await unlabelledControls(page), []);
});

test('leaderboard: a dimension filter asks the API, the column chooser hides a column, both survive a reload, CSV and JSON hold the rows shown', async () => {
  const leaderboard = region('Leaderboard');
  const table = leaderboard.getByRole('table');
  const dims = [...new Set(board.map((e) => e.model.dim))].sort((x, y) => x - y);
  const bound = dims[Math.floor(dims.length / 2)];
  const filteredEntries = (
    await dashboard.api<{
      leaderboard: {
        edges: { node: { rank: number; score: number; ci95: { low: number; high: number }; model: { name: string; dim: number } } }[];
      };
    }>(
      'query ($d: ID!, $m: Int) { leaderboard(datasetId: $d, filter: { minDim: $m }) { edges { node { rank score ci95 { low high } model { name dim } } } } }',
      { d: dashboard.demo.datasetId, m: bound },
    )
  ).leaderboard.edges.map((e) => e.node);
  const filtered = filteredEntries.map((e) => e.model.name);
  assert.ok(filtered.length > 0 && filtered.length < board.length);
  await leaderboard.getByLabel('Dimension at least').fill(String(bound));
  await page.waitForFunction((n) => document.querySelectorAll('#leaderboard-table tbody tr').length === n, filtered.length);
  assert.deepEqual(await rowModels(table), filtered);
  await leaderboard.getByText('Columns', { exact: true }).click();
  await leaderboard.getByRole('checkbox', { name: 'Params' }).uncheck();
  const headers = () => table.getByRole('columnheader').allTextContents();
  assert.ok(!(await headers()).some((t) => t.startsWith('Params')));
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('minDim'), String(bound));
  assert.equal(url.searchParams.get('hide'), 'Params');

  await page.reload();
  await page.waitForFunction((n) => document.querySelectorAll('#leaderboard-table tbody tr').length === n, filtered.length);
  assert.deepEqual(await rowModels(table), filtered);
  assert.equal(await leaderboard.getByLabel('Dimension at least').inputValue(), String(bound));
  assert.ok(!(await headers()).some((t) => t.startsWith('Params')));

  const csv = await downloaded(leaderboard.getByRole('button', { name: 'Download CSV' }));
  assert.equal(csv.name, 'leaderboard.csv');
  const lines = csv.content.toString('utf8').trim().split('\n');
  assert.equal(lines[0].split(',').slice(0, 6).join(','), 'rank,model,family,corrEmbed,ci95Low,ci95High');
  assert.equal(lines.length, filtered.length + 1);
  // JSON: the rows shown, in their order, with the API's figures at full precision.
  const json = JSON.parse((await downloaded(leaderboard.getByRole('button', { name: 'Download JSON' }))).content.toString('utf8'));
  assert.deepEqual(
    json.map((row: Record<string, unknown>) => [row.rank, row.model, row.corrEmbed, row.ci95Low, row.ci95High, row.dim]),
    filteredEntries.map((e) => [e.rank, e.model.name, e.score, e.ci95.low, e.ci95.high, e.model.dim]),
  );
  // Other tables download what they show: the heatmap's header row and one line per model.
  const heatmap = await downloaded(region('Per-category heatmap').getByRole('button', { name: 'Download CSV' }));
  const heatmapLines = heatmap.content.toString('utf8').trim().split('\n');
  assert.equal(heatmapLines[0], (await region('Per-category heatmap').getByRole('columnheader').allTextContents()).join(','));
  assert.equal(heatmapLines.length, board.length + 1);

  await leaderboard.getByRole('button', { name: 'Clear filters' }).click();
  await page.waitForFunction((n) => document.querySelectorAll('#leaderboard-table tbody tr').length === n, board.length);
  await leaderboard.getByText('Columns', { exact: true }).click();
  await leaderboard.getByRole('checkbox', { name: 'Params' }).check();
  assert.ok((await headers()).some((t) => t.startsWith('Params')));
});

test('charts download as SVG and PNG: the accuracy scatter with a point per fitted model', async () => {
  const scatter = region('Accuracy versus CorrEmbed');
  const svg = (await downloaded(scatter.getByRole('button', { name: 'Download SVG' }))).content.toString('utf8');
  assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal(svg.match(/<g class="point/g)?.length, await scatter.locator('svg .point').count());
  const png = await downloaded(scatter.getByRole('button', { name: 'Download PNG' }));
  assert.equal(png.name, 'accuracy-versus-corrembed.png');
  assert.deepEqual([...png.content.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
});

test("model page: a leaderboard model's link opens its manifest, per-category scores and runs, as the API has them", async () => {
  const entry = board[1];
  await region('Leaderboard').getByRole('link', { name: entry.model.name, exact: true }).click();
  const model = region('Model');
  await model.getByRole('heading', { name: entry.model.name, exact: true }).waitFor();
  assert.equal(new URL(page.url()).searchParams.get('model'), entry.model.id);
  const {
    leaderboard,
    runs,
    model: details,
  } = await dashboard.api(
    `query ($d: ID!, $m: ID!) {
      leaderboard(datasetId: $d, filter: { nameContains: "${entry.model.name}" }) { edges { node { model { id } evaluation { perCategory { category score } } } } }
      runs(datasetId: $d, modelId: $m) { totalCount }
      model(id: $m) { onnxHash preprocess { crop } } }`,
    { d: dashboard.demo.datasetId, m: entry.model.id },
  );
  const perCategory = leaderboard.edges.find((e: { node: { model: { id: string } } }) => e.node.model.id === entry.model.id).node.evaluation
    .perCategory;
  const categories = model.getByRole('table').filter({ hasText: 'Per-category CorrEmbed' });
  assert.deepEqual(
    await categories.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent))),
    perCategory.map((c: { category: string; score: number }) => [c.category, c.score.toFixed(4)]),
  );
  assert.equal(await model.getByRole('table').filter({ hasText: 'Its runs' }).locator('tbody tr').count(), runs.totalCount);
  assert.match((await model.textContent()) ?? '', new RegExp(details.onnxHash));
  assert.match((await model.textContent()) ?? '', new RegExp(`Centre crop${details.preprocess.crop} px`));
  assert.match((await model.textContent()) ?? '', /Failed images: none/);
});

test('cost view: the Pareto front of CorrEmbed against images/s and against parameters, as computed from the API', async () => {
  const cost = region('Cost versus CorrEmbed');
  const front = (figure: (e: BoardEntry) => number | null, better: (x: number, y: number) => boolean) => {
    const points = board.flatMap((e) => {
      const value = figure(e);
      return value !== null && value > 0 ? [{ e, value }] : [];
    });
    return points
      .filter(
        (p) =>
          !points.some(
            (q) => q !== p && better(q.value, p.value) && q.e.score >= p.e.score && (q.value !== p.value || q.e.score > p.e.score),
          ),
      )
      .sort((x, y) => y.e.score - x.e.score)
      .map((p) => p.e.model.name);
  };
  const pareto = () => rowModels(cost.getByRole('table'));
  assert.deepEqual(
    await pareto(),
    front(
      (e) => e.model.metadata.imagesPerSecond,
      (x, y) => x >= y,
    ),
  );
  await cost.getByLabel('Cost', { exact: true }).selectOption('params');
  const byParams = front(
    (e) => e.model.metadata.params,
    (x, y) => x <= y,
  );
  assert.ok(byParams.length >= 2);
  await page.waitForFunction((n) => document.querySelectorAll('#pareto-table tbody tr').length === n, byParams.length);
  assert.deepEqual(await pareto(), byParams);
  assert.equal(await cost.locator('svg .point.on-front').count(), byParams.length);
});

test('where do these models disagree: the queries modelDisagreements lists, each opening both neighbour lists side by side', async () => {
  const panel = region('Where do these models disagree?');
  const [a, b] = [board[0].model, board.at(-1)!.model];
  await panel.getByLabel('Model', { exact: true }).selectOption(a.id);
  await panel.getByLabel('against').selectOption(b.id);
  const { modelDisagreements } = await dashboard.api(
    'query ($d: ID!, $a: ID!, $b: ID!) { modelDisagreements(datasetId: $d, a: $a, b: $b, first: 20) { queries { image { id name } difference } } }',
    { d: dashboard.demo.datasetId, a: a.id, b: b.id },
  );
  const expected = modelDisagreements.queries.map((q: { image: { name: string }; difference: number }) => [
    q.image.name,
    q.difference.toFixed(4),
  ]);
  await page.waitForFunction((first) => document.querySelector('#disagreements-table tbody tr th')?.textContent === first, expected[0][0]);
  assert.deepEqual(
    await panel.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [r.children[0].textContent, r.children[3].textContent])),
    expected,
  );
  const [first] = modelDisagreements.queries;
  await panel.getByRole('button', { name: `Side by side: ${first.image.name}` }).click();
  const gallery = region('Nearest neighbours');
  await page.waitForFunction(
    (name) => (document.querySelector('#gallery .query-card')?.textContent ?? '').includes(`Query: ${name}`),
    first.image.name,
  );
  assert.equal(await gallery.getByLabel('Model A').inputValue(), a.id);
  assert.equal(await gallery.getByLabel('Model B').inputValue(), b.id);
  const url = new URL(page.url());
  assert.deepEqual(
    [url.searchParams.get('query'), url.searchParams.get('modelA'), url.searchParams.get('modelB')],
    [first.image.id, a.id, b.id],
  );
});

test('deep link: a query image, two models, a colour category and an outlier rule come back from the address alone', async () => {
  const [a, b] = [board[2].model, board[0].model];
  const { images } = await dashboard.api(
    'query ($d: ID!) { images(datasetId: $d, search: "Sandal", first: 3) { edges { node { id name } } } }',
    {
      d: dashboard.demo.datasetId,
    },
  );
  const image = images.edges[2].node;
  const link = new URL(dashboard.home);
  for (const [key, value] of Object.entries({
    dataset: dashboard.demo.datasetId,
    query: image.id,
    modelA: a.id,
    modelB: b.id,
    colour: 'Garment',
    sigmas: '1',
    compareA: b.id,
    compareB: a.id,
  }))
    link.searchParams.set(key, value);
  const fresh = await dashboard.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await fresh.goto(link.href);
    await fresh.waitForFunction(
      (name) => (document.querySelector('#gallery .query-card')?.textContent ?? '').includes(`Query: ${name}`),
      image.name,
    );
    assert.equal(await fresh.inputValue('#gallery-model-a'), a.id);
    assert.equal(await fresh.inputValue('#gallery-model-b'), b.id);
    assert.equal(await fresh.inputValue('#projection-category'), 'Garment');
    await fresh.waitForSelector('#projection .legend[aria-label="Garment legend"]');
    assert.equal(await fresh.inputValue('#scatter-sigmas'), '1');
    assert.equal(await fresh.inputValue('#compare-a'), b.id);
    const { neighbours } = await dashboard.api(
      'query ($i: ID!, $m: ID!) { neighbours(imageId: $i, modelId: $m, k: 8) { neighbours { image { name } } } }',
      {
        i: image.id,
        m: a.id,
      },
    );
    await fresh.waitForFunction(() => document.querySelectorAll('#gallery .gallery-column:nth-child(1) .card').length === 8);
    assert.deepEqual(
      await fresh.$$eval('#gallery .gallery-column:nth-child(1) .card-title', (ts) =>
        ts.map((t) => t.firstChild!.textContent!.replace(/^#\d+ /, '')),
      ),
      neighbours.neighbours.map((n: { image: { name: string } }) => n.image.name),
    );
  } finally {
    await fresh.close();
  }
});

test('embedding map: its point count and focused point as text, keyboard focus, Enter makes the query, a lasso fills a gallery, PNG export', async () => {
  const map = region('Embedding map');
  const canvas = map.locator('canvas');
  await canvas.waitFor();
  const modelId = await map.getByLabel('Model').inputValue();
  const { projection } = await dashboard.api(
    'query ($d: ID!, $m: ID!, $c: String) { projection(datasetId: $d, modelId: $m, category: $c, limit: 50000) { points { imageId name x y tags } } }',
    { d: dashboard.demo.datasetId, m: modelId, c: await map.getByLabel('Colour by').inputValue() },
  );
  const status = map.getByRole('status').filter({ hasText: 'points;' });
  assert.equal(await status.textContent(), `${projection.points.length} points; focused: none`);
  await canvas.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  const second = projection.points[1];
  assert.equal(await status.textContent(), `${projection.points.length} points; focused: image ${second.name} (${second.tags.join(', ')})`);
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    (name) => (document.querySelector('#gallery .query-card')?.textContent ?? '').includes(`Query: ${name}`),
    second.name,
  );
  await map.getByRole('button', { name: 'Zoom in' }).click();
  await map.getByRole('button', { name: 'Reset view' }).click();

  await map.getByRole('button', { name: 'Lasso select' }).click();
  assert.equal(await map.getByRole('button', { name: 'Lasso select' }).getAttribute('aria-pressed'), 'true');
  await lassoAll(page, canvas);
  const selection = map.getByRole('region', { name: 'Lasso selection' });
  await selection.getByText(`${projection.points.length} images selected.`).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#projection .lasso-images img').length === 12);

  const png = await downloaded(map.getByRole('button', { name: 'Download PNG' }));
  assert.deepEqual([...png.content.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  const svg = (await downloaded(map.getByRole('button', { name: 'Download SVG' }))).content.toString('utf8');
  assert.equal(svg.match(/<circle/g)?.length, projection.points.length, 'every point is in view after Reset view');

  // Hover: where the map draws the first point (the reset view fits the points' bounding square), a thumbnail shows.
  await map.getByRole('button', { name: 'Lasso select' }).click();
  const xs = projection.points.map((p: { x: number }) => p.x);
  const ys = projection.points.map((p: { y: number }) => p.y);
  const span = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  const [first] = projection.points;
  await canvas.scrollIntoViewIfNeeded(); // the download buttons scrolled the page
  const view = (await canvas.boundingBox())!;
  const at = {
    x: view.x + view.width * (0.5 + (first.x - (Math.min(...xs) + Math.max(...xs)) / 2) / span / 1.06),
    y: view.y + view.width * (0.5 - (first.y - (Math.min(...ys) + Math.max(...ys)) / 2) / span / 1.06),
  };
  await page.mouse.move(at.x, at.y);
  await map.locator('.map-tooltip img').waitFor();

  // UMAP beside PCA: the same points, placed by UMAP, and the choice in the address.
  await map.getByLabel('Projection', { exact: true }).selectOption('UMAP');
  await map.getByText(/^UMAP on the 32 leading principal components/).waitFor();
  assert.equal(await status.textContent(), `${projection.points.length} points; focused: none`);
  assert.equal(new URL(page.url()).searchParams.get('method'), 'UMAP');
});

test('gallery: the picker pages through the images as images() does, and any image zooms in a dialog', async () => {
  const gallery = region('Nearest neighbours');
  await gallery.getByLabel('Find a query image').fill('');
  await gallery.getByRole('button', { name: 'Next images' }).click();
  const { images } = await dashboard.api('query ($d: ID!) { images(datasetId: $d, first: 48) { totalCount edges { node { id } } } }', {
    d: dashboard.demo.datasetId,
  });
  const secondPage = images.edges.slice(24, 48).map((e: { node: { id: string } }) => e.node.id);
  await page.waitForFunction((id) => document.querySelector('#gallery .pick')?.getAttribute('data-image-id') === id, secondPage[0]);
  assert.deepEqual(await page.$$eval('#gallery .pick', (bs) => bs.map((b) => b.getAttribute('data-image-id'))), secondPage);
  assert.equal(await gallery.getByRole('status').filter({ hasText: 'Images' }).textContent(), `Images 25–48 of ${images.totalCount}`);
  await gallery.getByRole('button', { name: 'Previous images' }).click();
  await page.waitForFunction(
    (id) => document.querySelector('#gallery .pick')?.getAttribute('data-image-id') === id,
    images.edges[0].node.id,
  );

  const card = gallery.locator('.gallery-column .card').first();
  const name = ((await card.locator('.card-title').textContent()) ?? '').replace(/^#\d+ /, '').replace('same item', '');
  await card.getByRole('button', { name: `Zoom image ${name}` }).click();
  const dialog = page.getByRole('dialog', { name: 'Zoomed image' });
  await dialog.locator('img[width="256"]').waitFor();
  assert.match((await dialog.textContent()) ?? '', new RegExp(name));
  await page.keyboard.press('Escape');
  assert.equal(await dialog.isVisible(), false);
});

test('runs: a started run is cancelled from the page (CANCELLED in the API too), and two runs compare model by model', async () => {
  const runs = region('Runs');
  await runs.getByLabel('API key (evaluate scope)').fill(dashboard.evaluateKey);
  for (const box of await runs.getByRole('checkbox').all()) await box.uncheck();
  await runs.getByRole('checkbox', { name: board[0].model.name }).check();
  await runs.getByRole('button', { name: 'Start evaluation' }).click();
  const cancel = runs.getByRole('button', { name: /^Cancel run / });
  await cancel.waitFor();
  const runId = (await runs.locator('li.run').first().getAttribute('data-run-id'))!;
  assert.equal((await dashboard.api('query ($id: ID!) { run(id: $id) { status } }', { id: runId })).run.status, 'QUEUED');
  await cancel.click();
  await page.waitForFunction(
    (id) => document.querySelector(`#runs li[data-run-id="${id}"]`)?.getAttribute('data-status') === 'cancelled',
    runId,
  );
  assert.equal((await dashboard.api('query ($id: ID!) { run(id: $id) { status } }', { id: runId })).run.status, 'CANCELLED');
  assert.equal(await cancel.count(), 0);

  // The demo's own run against the cancelled one: the first has every score, the second none.
  await runs.getByLabel('Run', { exact: true }).selectOption(dashboard.demo.runId);
  await runs.getByLabel('against').selectOption(runId);
  const { run } = await dashboard.api('query ($id: ID!) { run(id: $id) { evaluations { model { name } score } } }', {
    id: dashboard.demo.runId,
  });
  const comparison = runs.getByRole('table');
  await comparison.locator('tbody tr').first().waitFor();
  const rows = await comparison.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
  assert.deepEqual(
    rows.map((r) => [r[0], r[1]]),
    run.evaluations.map((e: { model: { name: string }; score: number }) => [e.model.name, e.score.toFixed(4)]),
  );
  assert.deepEqual(new URL(page.url()).searchParams.get('runB'), runId);
});

test('quick clicks: the leaderboard filter, the model page and the disagreements keep only the answer to their latest choice', async () => {
  // Leaderboard: the answer to an earlier dimension bound arrives after the one to the later bound.
  const dims = [...new Set(board.map((e) => e.model.dim))].sort((x, y) => x - y);
  const [low, high] = [dims[1], dims.at(-1)!];
  const keptAbove = (bound: number) => board.filter((e) => e.model.dim >= bound).map((e) => e.model.name);
  assert.notDeepEqual(keptAbove(low), keptAbove(high));
  const leaderboard = region('Leaderboard');
  let held = await holdAnswers(
    page,
    (sent) => sent.operation === 'LeaderboardFiltered' && (sent.variables.filter as { minDim?: number }).minDim === low,
  );
  await leaderboard.getByLabel('Dimension at least').fill(String(low));
  await held.arrived;
  await leaderboard.getByLabel('Dimension at least').fill(String(high));
  await page.waitForFunction((n) => document.querySelectorAll('#leaderboard-table tbody tr').length === n, keptAbove(high).length);
  await held.release();
  assert.deepEqual(await rowModels(leaderboard.getByRole('table')), keptAbove(high));
  await leaderboard.getByRole('button', { name: 'Clear filters' }).click();
  await page.waitForFunction((n) => document.querySelectorAll('#leaderboard-table tbody tr').length === n, board.length);

  // Model page: the first model's page answers after the second's.
  const model = region('Model');
  const [first, second] = [board[3].model, board[4].model];
  held = await holdAnswers(page, (sent) => sent.operation === 'ModelPage' && sent.variables.id === first.id);
  await model.getByLabel('Model', { exact: true }).selectOption(first.id);
  await held.arrived;
  await model.getByLabel('Model', { exact: true }).selectOption(second.id);
  await model.getByRole('heading', { name: second.name, exact: true }).waitFor();
  await held.release();
  assert.equal(await model.getByRole('heading', { level: 3 }).first().textContent(), second.name);

  // Disagreements: the list against an earlier second model arrives last.
  const panel = region('Where do these models disagree?');
  await panel.getByLabel('Model', { exact: true }).selectOption(board[0].model.id);
  held = await holdAnswers(page, (sent) => sent.operation === 'Disagreements' && sent.variables.b === board[2].model.id);
  await panel.getByLabel('against').selectOption(board[2].model.id);
  await held.arrived;
  await panel.getByLabel('against').selectOption(board[1].model.id);
  const caption = () => panel.locator('caption').textContent();
  await page.waitForFunction(
    (name) => (document.querySelector('#disagreements-table caption')?.textContent ?? '').includes(`and ${name};`),
    board[1].model.name,
  );
  await held.release();
  assert.match((await caption()) ?? '', new RegExp(`and ${board[1].model.name};`));
});

test('run history: eight runs at a time, older ones on request, as runs() pages them', async () => {
  // Queued runs (this process takes none), so that the history has more than a page.
  for (let i = 0; i < 8; i++)
    await dashboard.platform.platform.runs.start({ datasetId: dashboard.demo.datasetId, modelIds: [board[0].model.id] });
  const { runs: all } = await dashboard.api('query ($d: ID!) { runs(datasetId: $d, first: 100) { totalCount edges { node { id } } } }', {
    d: dashboard.demo.datasetId,
  });
  await page.reload();
  const runs = region('Runs');
  await runs.getByText(`8 of ${all.totalCount} runs.`).waitFor();
  await runs.getByRole('button', { name: 'Show older runs' }).click();
  await runs.getByText(`${all.totalCount} of ${all.totalCount} runs.`).waitFor();
  assert.deepEqual(
    await runs.locator('li.run').evaluateAll((items) => items.map((li) => li.getAttribute('data-run-id'))),
    all.edges.map((e: { node: { id: string } }) => e.node.id),
  );
  assert.equal(await runs.getByRole('button', { name: 'Show older runs' }).count(), 0);
});

test('phone width: with the model page, the disagreements, the lasso gallery and the zoom dialog open, nothing reaches past 390 px', async () => {
  const phone = await dashboard.browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  try {
    await phone.goto(`${dashboard.home}?dataset=${dashboard.demo.datasetId}&model=${board.at(-1)!.model.id}&cost=params`);
    await phone.locator('#disagreements-table tbody tr').first().waitFor();
    await phone.locator('#model-runs-table').waitFor();
    const canvas = phone.locator('#projection canvas');
    await canvas.waitFor();
    await phone.getByRole('button', { name: 'Lasso select' }).click();
    await lassoAll(phone, canvas);
    await phone.locator('#projection .lasso-images img').first().waitFor();
    assert.deepEqual(await elementsOutside(phone, 390), []);
    assert.deepEqual(await lowContrastText(phone), []);
    await phone.locator('#gallery .gallery-column .card .zoom-button').first().click();
    await phone.getByRole('dialog', { name: 'Zoomed image' }).locator('img[width="256"]').waitFor();
    assert.deepEqual(await elementsOutside(phone, 390), []);
  } finally {
    await phone.close();
  }
});

// The dashboard in a real browser (Debian's chromium via playwright-core) on a seeded platform: what each panel shows,
// live runs, a second dataset, quick clicks, states, compression, keyboard use, labels, contrast and phone width.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { DemoSeed } from '../src/demo/seedDemo.js';
import { isTerminalStatus } from '../src/runs/runService.js';
import { elementsOutside, hiddenColumnHeaders, holdAnswers, lowContrastText, unlabelledControls } from './support/browser.js';
import { type DashboardPlatform, startDashboardPlatform } from './support/dashboardPlatform.js';
import { ADMIN_KEY, startTestPlatform, type TestPlatform } from './support/securePlatform.js';
import { writeTinyModel } from './support/tinyModels.js';
import { writeToneDataset } from './support/toneDataset.js';
import { until } from './support/until.js';

let dashboard: DashboardPlatform;
let platform: TestPlatform;
let browser: Browser;
let page: Page;
let home: string;
let demo: DemoSeed;
let tones: { datasetId: string; newModelId: string };
let evaluateKey: string;

const api = <T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, key?: string): Promise<T> =>
  dashboard.api<T>(query, variables, key);

async function evaluate(datasetId: string, modelIds: string[]): Promise<void> {
  const run = await platform.platform.runs.start({ datasetId, modelIds });
  await until(
    () => platform.platform.db.prisma.run.findUniqueOrThrow({ where: { id: run.id } }),
    (r) => isTerminalStatus(r.status),
    100,
  );
}

before(async () => {
  dashboard = await startDashboardPlatform();
  ({ platform, home, demo, evaluateKey, browser } = dashboard);
  // A dataset that is not in the repository, two models evaluated on it and one left for the page to evaluate.
  const tonesManifest = await writeToneDataset(join(platform.dir, 'tones'), 40);
  const dataset = await platform.platform.datasets.importDataset({ manifestPath: tonesManifest });
  const models = [];
  for (const seed of [7, 11, 13])
    models.push(
      await platform.platform.models.register(
        (await writeTinyModel(join(platform.dir, 'models'), 'conv', { name: `tone-conv-${seed}`, seed })).manifest,
      ),
    );
  await evaluate(dataset.id, [models[0].id, models[1].id]);
  tones = { datasetId: dataset.id, newModelId: models[2].id };
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) => assert.fail(`page error: ${error.message}`));
  await page.goto(`${home}?dataset=${demo.datasetId}`);
  await page.waitForSelector('#leaderboard-table tbody tr');
});

after(() => dashboard?.close());

/** Every panel's region name. */
const PANELS = [
  'Leaderboard',
  'Model',
  'Accuracy versus CorrEmbed',
  'Per-category heatmap',
  'Cost versus CorrEmbed',
  'Where do these models disagree?',
  'Nearest neighbours',
  'Embedding map',
  'Runs',
];

const cellTexts = (selector: string) => page.$$eval(selector, (cells) => cells.map((c) => (c.textContent ?? '').trim()));

test('leaderboard: one row per model in rank order with the API scores and intervals, sortable by mouse and keyboard', async () => {
  const leaderboard = (
    await api<{
      leaderboard: { edges: { node: { rank: number; score: number; ci95: { low: number; high: number }; model: { name: string } } }[] };
    }>('query ($d: ID!) { leaderboard(datasetId: $d) { edges { node { rank score ci95 { low high } model { name } } } } }', {
      d: demo.datasetId,
    })
  ).leaderboard.edges.map((e) => e.node);
  assert.equal(leaderboard.length, demo.modelIds.length);
  assert.deepEqual(
    await page.$$eval('#leaderboard-table tbody tr', (rows) => rows.map((r) => r.getAttribute('data-model'))),
    leaderboard.map((e) => e.model.name),
  );
  const scores = await cellTexts('#leaderboard-table tbody tr td:nth-child(3)');
  scores.forEach((text, i) =>
    assert.equal(
      text,
      `${leaderboard[i].score.toFixed(4)} [${leaderboard[i].ci95.low.toFixed(4)}, ${leaderboard[i].ci95.high.toFixed(4)}]`,
    ),
  );
  assert.deepEqual(await hiddenColumnHeaders(page, '#leaderboard-table'), [], 'every column visible at 1280 px');
  // The images/s column is measured: every demo model embedded the dataset on this platform.
  for (const text of await cellTexts('#leaderboard-table tbody tr td:nth-child(8)')) assert.match(text, /^\d/, 'images/s measured');

  await page.click('#leaderboard-table th:nth-child(6) button'); // Params, largest first
  const params = (await cellTexts('#leaderboard-table tbody tr td:nth-child(6)'))
    .filter((t) => t !== '–')
    .map((t) => Number.parseFloat(t) * (t.endsWith('M') ? 1e6 : t.endsWith('k') ? 1e3 : 1));
  assert.deepEqual(
    params,
    [...params].sort((a, b) => b - a),
  );
  assert.equal(await page.getAttribute('#leaderboard-table th:nth-child(6)', 'aria-sort'), 'descending');
  await page.keyboard.press('Enter'); // focus stays on the header button: Enter reverses the order
  assert.equal(await page.getAttribute('#leaderboard-table th:nth-child(6)', 'aria-sort'), 'ascending');
  await page.click('#leaderboard-table th:nth-child(1) button');
  assert.deepEqual(
    await cellTexts('#leaderboard-table tbody tr td:nth-child(1)'),
    leaderboard.map((e) => String(e.rank)),
  );
});

test('accuracy scatter: a point per model with an accuracy, the fitted line, and the outliers named under a stricter rule', async () => {
  const { accuracyFit } = await api(
    'query ($d: ID!) { accuracyFit(datasetId: $d, sigmas: 1) { accuracyMetric fit { r } models { model { name } outlier } modelsWithoutAccuracy { model { name } } } }',
    { d: demo.datasetId },
  );
  assert.equal(accuracyFit.accuracyMetric, 'Fashion-MNIST test accuracy (t10k)', 'the demo zoo names its accuracy');
  assert.deepEqual(await cellTexts('#scatter .axis-label'), [`${accuracyFit.accuracyMetric} (%)`, 'CorrEmbed']);
  assert.equal(await page.locator('#scatter .point').count(), accuracyFit.models.length);
  assert.ok(accuracyFit.models.length >= 3);
  assert.equal(await page.locator('#scatter line.fit').count(), 1);
  assert.match((await page.textContent('#scatter figcaption')) ?? '', new RegExp(`r = ${(accuracyFit.fit.r as number).toFixed(2)}`));
  await page.fill('#scatter-sigmas', '1');
  await page.press('#scatter-sigmas', 'Enter');
  const expected = accuracyFit.models
    .filter((m: { outlier: boolean }) => m.outlier)
    .map((m: { model: { name: string } }) => m.model.name)
    .sort();
  assert.ok(expected.length > 0, 'some model lies more than 1 SD off the line');
  await page.waitForFunction((n) => document.querySelectorAll('#scatter .point.outlier').length === n, expected.length);
  assert.deepEqual((await page.$$eval('#scatter .point.outlier', (ps) => ps.map((p) => p.getAttribute('data-model')!))).sort(), expected);
  assert.deepEqual((await cellTexts('#scatter .outlier-label')).sort(), expected);
  assert.match(
    (await page.textContent('#scatter')) ?? '',
    new RegExp(
      `Without an accuracy \\(left out\\): ${accuracyFit.modelsWithoutAccuracy.map((m: { model: { name: string } }) => m.model.name).join(', ')}`,
    ),
  );
});

test('heatmap: models x categories with the per-category scores, the best per category marked', async () => {
  const leaderboard = (
    await api(
      'query ($d: ID!) { leaderboard(datasetId: $d) { edges { node { model { name } evaluation { perCategory { category score } } } } } }',
      { d: demo.datasetId },
    )
  ).leaderboard.edges.map((e: { node: unknown }) => e.node);
  const categories = leaderboard[0].evaluation.perCategory.map((c: { category: string }) => c.category);
  assert.deepEqual(await cellTexts('#heatmap-table thead th'), ['Model', ...categories]);
  const rows = await page.$$eval('#heatmap-table tbody tr', (trs) =>
    trs.map((tr) => [...tr.children].map((c) => (c.firstChild?.textContent ?? '').trim())),
  );
  rows.forEach((row, i) => {
    assert.equal(row[0], leaderboard[i].model.name);
    assert.deepEqual(
      row.slice(1),
      leaderboard[i].evaluation.perCategory.map((c: { score: number }) => c.score.toFixed(4)),
    );
  });
  assert.equal((await page.locator('#heatmap-table td.best').count()) >= categories.length, true);
});

test("gallery: the query image and both models' nearest neighbours with their tags, as neighbours() answers", async () => {
  await page.waitForSelector('#gallery .neighbours li');
  const first = await page.getAttribute('#gallery .pick[aria-pressed="true"]', 'data-image-id');
  assert.ok(first);
  const models = await page.$$eval('#gallery-model-a option, #gallery-model-b option', (os) =>
    os.filter((o) => (o as HTMLOptionElement).selected).map((o) => (o as HTMLOptionElement).value),
  );
  assert.equal(models.length, 2);
  assert.notEqual(models[0], models[1]);
  for (const [column, modelId] of models.entries()) {
    const answer: { neighbours: { neighbours: { image: { name: string } }[] } } = await api(
      'query ($i: ID!, $m: ID!) { neighbours(imageId: $i, modelId: $m, k: 8) { neighbours { image { name } tagSimilarity } } }',
      { i: first, m: modelId },
    );
    const names: string[] = await page.$$eval(`#gallery .gallery-column:nth-child(${column + 1}) .card-title`, (ts) =>
      ts.map((t) => t.firstChild!.textContent!.replace(/^#\d+ /, '')),
    );
    assert.deepEqual(
      names,
      answer.neighbours.neighbours.map((n) => n.image.name),
    );
  }
  // Another query image, picked by search and keyboard.
  await page.fill('#gallery-search', 'Sneaker');
  await page.waitForFunction(() =>
    [...document.querySelectorAll('#gallery .pick')].every((b) => (b.getAttribute('title') ?? '').includes('Sneaker')),
  );
  await page.focus('#gallery .pick:nth-child(2)');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => (document.querySelector('#gallery .query-card')?.textContent ?? '').includes('Sneaker'));
  await page.waitForFunction(() => document.querySelectorAll('#gallery .gallery-column .card').length === 16);
});

test('projection: one point per embedded image coloured by the chosen category, with a legend', async () => {
  await page.waitForSelector('#projection canvas');
  const { dataset } = await api('query ($d: ID!) { dataset(id: $d) { imageCount } }', { d: demo.datasetId });
  const status = page.getByRole('region', { name: 'Embedding map', exact: true }).locator('.map-status');
  assert.match((await status.textContent()) ?? '', new RegExp(`^${dataset.imageCount.toLocaleString('en')} points; focused: none`));
  await page.selectOption('#projection-category', 'Garment');
  await page.waitForFunction(() => (document.querySelector('#projection .legend')?.getAttribute('aria-label') ?? '') === 'Garment legend');
  const legend = await cellTexts('#projection .legend li');
  const total = legend.reduce((sum, text) => sum + Number(/\((\d+)\)$/.exec(text)![1]), 0);
  assert.equal(total, dataset.imageCount);
  assert.ok(legend.length >= 5, `garment types: ${legend.join(', ')}`);
});

test('accessibility: every control named, keyboard reaches the panels, text contrast AA, no sideways scrolling at phone width', async () => {
  await page.waitForSelector('#gallery .gallery-column .card');
  assert.deepEqual(await unlabelledControls(page), []);
  assert.deepEqual(await lowContrastText(page), []);
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  try {
    await phone.goto(`${home}?dataset=${demo.datasetId}`);
    await phone.waitForSelector('#heatmap-table');
    await phone.waitForSelector('#projection canvas');
    assert.deepEqual(await elementsOutside(phone, 390), []);
    assert.deepEqual(await lowContrastText(phone), []);
    // Keyboard only: the first Tab reaches the skip link, Enter jumps to the content, Tab goes on to the sort buttons.
    await phone.keyboard.press('Tab');
    assert.equal(await phone.evaluate(() => document.activeElement?.className), 'skip-link');
    await phone.keyboard.press('Enter');
    assert.equal(await phone.evaluate(() => document.activeElement?.id), 'main');
    let presses = 0;
    while (!(await phone.evaluate(() => document.activeElement?.closest('#leaderboard-table th') !== null)) && presses++ < 20)
      await phone.keyboard.press('Tab');
    assert.ok(presses <= 20, 'Tab reaches the leaderboard headers');
    await phone.keyboard.press('Enter');
    assert.equal(await phone.getAttribute('#leaderboard-table th:nth-child(1)', 'aria-sort'), 'descending');
  } finally {
    await phone.close();
  }
});

const galleryNames = (column: number) =>
  page.$$eval(`#gallery .gallery-column:nth-child(${column}) .card-title`, (ts) =>
    ts.map((t) => t.firstChild!.textContent!.replace(/^#\d+ /, '')),
  );

async function neighbourNames(imageId: string, modelId: string): Promise<string[]> {
  const answer = await api<{ neighbours: { neighbours: { image: { name: string } }[] } }>(
    'query ($i: ID!, $m: ID!) { neighbours(imageId: $i, modelId: $m, k: 8) { neighbours { image { name } } } }',
    { i: imageId, m: modelId },
  );
  return answer.neighbours.neighbours.map((n) => n.image.name);
}

async function runIds(datasetId: string): Promise<string[]> {
  const { runs } = await api<{ runs: { edges: { node: { id: string } }[] } }>(
    'query ($d: ID!) { runs(datasetId: $d, first: 8) { edges { node { id } } } }',
    { d: datasetId },
    ADMIN_KEY,
  );
  return runs.edges.map((e) => e.node.id);
}

async function leaderboardModels(): Promise<{ id: string; name: string }[]> {
  const { leaderboard } = await api<{ leaderboard: { edges: { node: { model: { id: string; name: string } } }[] } }>(
    'query ($d: ID!) { leaderboard(datasetId: $d) { edges { node { model { id name } } } } }',
    { d: demo.datasetId },
  );
  return leaderboard.edges.map((e) => e.node.model);
}

async function comparison(a: string, b: string): Promise<{ pValue: number; significant: boolean; meanDifference: number }> {
  return (
    await api<{ compareModels: { pValue: number; significant: boolean; meanDifference: number } }>(
      'query ($d: ID!, $a: ID!, $b: ID!) { compareModels(datasetId: $d, a: $a, b: $b) { pValue significant meanDifference } }',
      { d: demo.datasetId, a, b },
    )
  ).compareModels;
}

test('is this gap real: the leaderboard highlights the models not significantly worse than the best, and any two compare with their p-value', async () => {
  const { leaderboard } = await api<{
    leaderboard: {
      edges: {
        node: { rank: number; model: { id: string; name: string }; comparedWithBest: { pValue: number; significant: boolean } | null };
      }[];
    };
  }>(
    'query ($d: ID!) { leaderboard(datasetId: $d) { edges { node { rank model { id name } comparedWithBest { pValue significant } } } } }',
    { d: demo.datasetId },
  );
  const entries = leaderboard.edges.map((e) => e.node);
  const leading = entries.filter((e) => e.rank === 1 || e.comparedWithBest?.significant === false).map((e) => e.model.name);
  assert.ok(leading.length < entries.length, 'some model is significantly worse than the best');
  assert.deepEqual(
    await page.$$eval('#leaderboard-table tbody tr.leading', (rows) => rows.map((r) => r.getAttribute('data-model'))),
    leading,
  );
  assert.deepEqual(
    await cellTexts('#leaderboard-table tbody tr td:nth-child(10)'),
    entries.map((e) => (e.rank === 1 ? 'best' : `p ${e.comparedWithBest!.pValue.toFixed(4)}`)),
  );
  // Any two: the best against the last.
  const [best, last] = [entries[0].model, entries.at(-1)!.model];
  await page.selectOption('#compare-a', best.id);
  await page.selectOption('#compare-b', last.id);
  const expected = await comparison(best.id, last.id);
  await page.waitForSelector(`#comparison .comparison[data-p-value="${expected.pValue.toFixed(4)}"]`);
  const text = (await page.textContent('#comparison .comparison')) ?? '';
  assert.match(text, new RegExp(`^${best.name} minus ${last.name}: \\+${expected.meanDifference.toFixed(4)}`));
  assert.match(text, expected.significant ? /a real gap/ : /not significant/);
});

test('quick clicks: every panel keeps only the answer to its latest request, a slow answer to an earlier choice never overwrites it', async () => {
  // Gallery: neighbours of an earlier query image arrive after those of the later one.
  await page.fill('#gallery-search', '');
  await page.waitForFunction(() => document.querySelectorAll('#gallery .pick').length >= 3);
  const modelA = await page.inputValue('#gallery-model-a');
  const current = await page.getAttribute('#gallery .pick[aria-pressed="true"]', 'data-image-id');
  const [earlier, later] = (await page.$$eval('#gallery .pick', (bs) => bs.map((b) => b.getAttribute('data-image-id')!))).filter(
    (id) => id !== current,
  );
  const expected = await neighbourNames(later, modelA);
  assert.notDeepEqual(await neighbourNames(earlier, modelA), expected);
  let held = await holdAnswers(page, (sent) => sent.operation === 'Neighbours' && sent.variables.imageId === earlier);
  await page.click(`#gallery .pick[data-image-id="${earlier}"]`);
  await held.arrived;
  await page.click(`#gallery .pick[data-image-id="${later}"]`);
  await page.waitForFunction((n) => document.querySelectorAll('#gallery .gallery-column:nth-child(1) .card').length === n, expected.length);
  await held.release();
  assert.deepEqual(await galleryNames(1), expected);

  // Gallery search: the answer for an earlier search term arrives last.
  held = await holdAnswers(page, (sent) => sent.operation === 'Images' && sent.variables.search === 'Sneaker');
  await page.fill('#gallery-search', 'Sneaker');
  await held.arrived;
  await page.fill('#gallery-search', 'Sandal');
  const allSandals = () =>
    [...document.querySelectorAll('#gallery .pick')].every((b) => (b.getAttribute('title') ?? '').includes('Sandal'));
  await page.waitForFunction(allSandals);
  await held.release();
  assert.ok(await page.evaluate(allSandals), 'the picker shows the latest search');

  // Embedding map: the projection coloured by an earlier category arrives last.
  held = await holdAnswers(page, (sent) => sent.operation === 'Projection' && sent.variables.category === 'Sleeve');
  await page.selectOption('#projection-category', 'Sleeve');
  await held.arrived;
  await page.selectOption('#projection-category', 'Color');
  await page.waitForSelector('#projection .legend[aria-label="Color legend"]');
  await held.release();
  assert.equal(await page.getAttribute('#projection .legend', 'aria-label'), 'Color legend');

  // Outlier control: the fit under an earlier rule arrives after the one under the later rule.
  const outliersUnder = async (sigmas: number) =>
    (
      await api<{ accuracyFit: { models: { outlier: boolean }[] } }>(
        'query ($d: ID!, $s: Float) { accuracyFit(datasetId: $d, sigmas: $s) { models { outlier } } }',
        { d: demo.datasetId, s: sigmas },
      )
    ).accuracyFit.models.filter((m) => m.outlier).length;
  assert.notEqual(await outliersUnder(1), await outliersUnder(5));
  await page.fill('#scatter-sigmas', '5');
  await page.press('#scatter-sigmas', 'Enter');
  held = await holdAnswers(page, (sent) => sent.operation === 'Fit' && sent.variables.sigmas === 1);
  await page.fill('#scatter-sigmas', '1');
  await page.press('#scatter-sigmas', 'Enter');
  await held.arrived;
  const laterFit = page.waitForResponse(
    (response) =>
      response.url().endsWith('/graphql') &&
      (response.request().postDataJSON() as { variables?: { sigmas?: number } }).variables?.sigmas === 5,
  );
  await page.fill('#scatter-sigmas', '5');
  await page.press('#scatter-sigmas', 'Enter');
  await laterFit;
  await held.release();
  assert.equal(await page.locator('#scatter .point.outlier').count(), await outliersUnder(5));

  // Is this gap real?: the comparison with an earlier second model arrives last.
  const [, second, third] = await leaderboardModels();
  const verdict = () => page.textContent('#comparison .comparison');
  held = await holdAnswers(page, (sent) => sent.operation === 'Compare' && sent.variables.b === third.id);
  await page.selectOption('#compare-b', third.id);
  await held.arrived;
  await page.selectOption('#compare-b', second.id);
  await page.waitForFunction(
    (name) => (document.querySelector('#comparison .comparison')?.textContent ?? '').includes(` minus ${name}:`),
    second.name,
  );
  await held.release();
  assert.match((await verdict()) ?? '', new RegExp(` minus ${second.name}:`));
});

test('quick dataset switches: panels say Loading… while the board loads, and the dataset chosen last wins', async () => {
  const demoRows = demo.modelIds.length;
  const held = await holdAnswers(page, (sent) => sent.operation === 'Board' && sent.variables.datasetId === tones.datasetId);
  await page.selectOption('#dataset', tones.datasetId);
  await held.arrived;
  for (const id of ['leaderboard', 'model', 'scatter', 'heatmap', 'cost', 'disagreements', 'gallery', 'projection', 'runs'])
    assert.equal((await page.textContent(`#${id}`))?.trim(), 'Loading…', id);
  await page.selectOption('#dataset', demo.datasetId);
  await page.waitForFunction((n) => document.querySelectorAll('#leaderboard-table tbody tr').length === n, demoRows);
  await held.release();
  assert.equal(await page.locator('#leaderboard-table tbody tr').count(), demoRows);
});

test('states: an empty platform says what to do in every panel, an unreachable API says so, nothing stays on Loading…', async () => {
  const empty = await startTestPlatform({ anonymousRateLimitPerMinute: 0 });
  const fresh = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const panels = PANELS;
  const settled = () => !(document.body.textContent ?? '').includes('Loading…');
  const failed: string[] = [];
  fresh.on('response', (response) => void (response.status() >= 400 && failed.push(`${response.status()} ${response.url()}`)));
  try {
    await fresh.goto(new URL('/', empty.url).href);
    await fresh.waitForFunction(settled);
    assert.deepEqual(failed, [], 'every file the page asks for is there (the icon too)');
    for (const name of panels)
      assert.match((await fresh.getByRole('region', { name, exact: true }).textContent()) ?? '', /No dataset yet: import one/, name);
    assert.equal(await fresh.isDisabled('#dataset'), true);

    await fresh.route('**/graphql', (route) => route.abort('connectionrefused'));
    await fresh.reload();
    await fresh.waitForFunction(settled);
    for (const name of panels)
      assert.match(
        (await fresh.getByRole('region', { name, exact: true }).getByRole('alert').textContent()) ?? '',
        /The API did not answer/,
        name,
      );
  } finally {
    await fresh.close();
    await empty.close();
  }
});

test('served compressed: the page, its script and styles, and GraphQL answers, brotli or gzip as the client accepts', async () => {
  const fetchEncoded = (path: string, acceptEncoding: string, body?: string) =>
    new Promise<{ encoding: string | undefined; decoded: string }>((resolve, reject) => {
      const request = httpRequest(
        new URL(path, home),
        {
          method: body ? 'POST' : 'GET',
          headers: { 'accept-encoding': acceptEncoding, ...(body ? { 'content-type': 'application/json' } : {}) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response
            .on('data', (chunk: Buffer) => chunks.push(chunk))
            .on('error', reject)
            .on('end', () => {
              const raw = Buffer.concat(chunks);
              const encoding = response.headers['content-encoding'];
              const decoded = encoding === 'br' ? brotliDecompressSync(raw) : encoding === 'gzip' ? gunzipSync(raw) : raw;
              resolve({ encoding, decoded: decoded.toString('utf8') });
            });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  const board = JSON.stringify({
    query:
      'query ($d: ID!) { leaderboard(datasetId: $d) { edges { node { rank score model { name dim metadata { family } } evaluation { perCategory { category score } } } } } }',
    variables: { d: demo.datasetId },
  });
  for (const [path, body] of [['/'], ['/dashboard/main.js'], ['/dashboard/style.css'], ['/graphql', board]] as [string, string?][]) {
    const plain = await fetchEncoded(path, 'identity', body);
    assert.equal(plain.encoding, undefined, path);
    for (const [accepted, encoding] of [
      ['br, gzip', 'br'],
      ['gzip', 'gzip'],
    ]) {
      const answer = await fetchEncoded(path, accepted, body);
      assert.equal(answer.encoding, encoding, `${path} with ${accepted}`);
      assert.equal(answer.decoded, plain.decoded, `${path} decodes to the same content`);
    }
  }
  const icon = await fetch(new URL('/favicon.ico', home));
  assert.equal(icon.status, 200);
  assert.equal(icon.headers.get('content-type'), 'image/svg+xml');
});

test('panels are labelled regions; the leaderboard and heatmap are tables with column headers', async () => {
  for (const name of PANELS) {
    assert.equal(await page.getByRole('region', { name, exact: true }).count(), 1, name);
  }
  const headers = (region: string) =>
    page.getByRole('region', { name: region, exact: true }).getByRole('table').getByRole('columnheader').allTextContents();
  assert.deepEqual(
    (await headers('Leaderboard')).map((t) => t.replace(/[▲▼]/g, '').trim()),
    ['Rank', 'Model', 'CorrEmbed', 'nDCG@10', 'Acc@1', 'Params', 'GFLOPs', 'Images/s', 'Dim', 'vs best'],
  );
  assert.equal((await headers('Per-category heatmap'))[0], 'Model');
});

test('runs on a dataset not in the repository: a bad key is refused on the page, an evaluate key starts a run that goes live to succeeded and onto the leaderboard', async () => {
  const before = (await runIds(tones.datasetId)).length;
  // The run list as it was before the new run answers slowly: it must not replace the list that shows the new run.
  let first = true;
  const held = await holdAnswers(
    page,
    (sent) => sent.operation === 'Runs' && sent.variables.datasetId === tones.datasetId && first && !(first = false),
  );
  await page.selectOption('#dataset', tones.datasetId);
  await held.arrived;
  await page.waitForFunction(() => document.querySelectorAll('#leaderboard-table tbody tr').length === 2);
  assert.deepEqual(await cellTexts('#heatmap-table thead th'), ['Model', 'Tone', 'Group']);
  for (const box of await page.$$('#runs input[type="checkbox"]'))
    if ((await box.getAttribute('value')) !== tones.newModelId) await box.uncheck();
  await page.fill('#run-key', 'ce_not-a-real-key');
  await page.click('#runs button[type="submit"]');
  await page.waitForFunction(() => /unknown or revoked/.test(document.querySelector('#runs .form-status')?.textContent ?? ''));
  await page.fill('#run-key', evaluateKey);
  await page.click('#runs button[type="submit"]');
  await page.waitForFunction((n) => document.querySelectorAll('#runs li.run').length === n + 1, before);
  const runId = await page.getAttribute('#runs li.run:first-child', 'data-run-id');
  await held.release();
  assert.equal(await page.locator('#runs li.run').count(), before + 1);
  // Each run says when it started: the API's createdAt (an ISO date, also to callers without a key), shown as a date.
  const { run } = await api<{ run: { createdAt: string } }>('query ($id: ID!) { run(id: $id) { createdAt } }', { id: runId });
  assert.match(run.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  assert.doesNotMatch((await page.textContent('#runs li.run:first-child .run-head')) ?? '', /Invalid Date/);
  // The page does not reload: the subscription moves the bar, then the leaderboard gains the new model.
  await page.waitForFunction(
    (id) => document.querySelector(`#runs li[data-run-id="${id}"]`)?.getAttribute('data-status') === 'succeeded',
    runId,
    { timeout: 60_000 },
  );
  assert.equal(await page.getAttribute(`#runs li[data-run-id="${runId}"] progress`, 'value'), '100');
  await page.waitForFunction(() => document.querySelectorAll('#leaderboard-table tbody tr').length === 3);
  assert.ok(await page.locator('#leaderboard-table tbody tr[data-model="tone-conv-13"]').count());
});

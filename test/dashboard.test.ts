// The dashboard in a real browser (Debian's chromium via playwright-core) on a seeded platform: what each panel shows,
// live runs, a second dataset, keyboard use, labels, contrast and phone width; screenshots go to a temporary folder.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../src/config.js';
import { DEMO_MANIFEST, ZOO_DIR, seedDemo, type DemoSeed } from '../src/demo/seedDemo.js';
import { isTerminalStatus } from '../src/runs/runService.js';
import { launchChromium, lowContrastText, overflowsSideways, unlabelledControls } from './support/browser.js';
import { gql } from './support/platformClient.js';
import { ADMIN_KEY, startTestPlatform, type TestPlatform } from './support/securePlatform.js';
import { writeTinyModel } from './support/tinyModels.js';
import { writeToneDataset } from './support/toneDataset.js';
import { until } from './support/until.js';

/** The panels are photographed (a failing capture fails the test) into a folder of its own, never over tracked files. */
const SHOTS = mkdtempSync(join(tmpdir(), 'corrembed-dashboard-shots-'));

let platform: TestPlatform;
let browser: Browser;
let page: Page;
let home: string;
let demo: DemoSeed;
let tones: { datasetId: string; newModelId: string };
let evaluateKey: string;

async function api<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, key?: string): Promise<T> {
  const answer = await gql<T>(platform.url, query, variables, key);
  assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  return answer.data!;
}

async function evaluate(datasetId: string, modelIds: string[]): Promise<void> {
  const run = await platform.platform.runs.start({ datasetId, modelIds });
  await until(() => platform.platform.db.prisma.run.findUniqueOrThrow({ where: { id: run.id } }), (r) => isTerminalStatus(r.status), 100);
}

before(async () => {
  const defaults = loadConfig({});
  const roots = [tmpdir(), join(DEMO_MANIFEST, '..'), ZOO_DIR];
  platform = await startTestPlatform({ anonymousRateLimitPerMinute: 0 }, { inputSafety: { ...defaults.inputSafety, manifestRoots: roots }, workers: 2, batchSize: 32 });
  home = new URL('/', platform.url).href;
  demo = await seedDemo(platform.platform, () => undefined);
  // A dataset that is not in the repository, two models evaluated on it and one left for the page to evaluate.
  const tonesManifest = await writeToneDataset(join(platform.dir, 'tones'), 40);
  const dataset = await platform.platform.datasets.importDataset({ manifestPath: tonesManifest });
  const models = [];
  for (const seed of [7, 11, 13]) models.push(await platform.platform.models.register((await writeTinyModel(join(platform.dir, 'models'), 'conv', { name: `tone-conv-${seed}`, seed })).manifest));
  await evaluate(dataset.id, [models[0].id, models[1].id]);
  tones = { datasetId: dataset.id, newModelId: models[2].id };
  const created = await api<{ createApiKey: { key: string } }>('mutation { createApiKey(name: "dashboard test", scopes: [EVALUATE]) { key } }', {}, ADMIN_KEY);
  evaluateKey = created.createApiKey.key;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) => assert.fail(`page error: ${error.message}`));
  await page.goto(`${home}?dataset=${demo.datasetId}`);
  await page.waitForSelector('#leaderboard-table tbody tr');
});

after(async () => {
  await browser?.close();
  await platform?.close();
  rmSync(SHOTS, { recursive: true, force: true });
});

const cellTexts = (selector: string) => page.$$eval(selector, (cells) => cells.map((c) => (c.textContent ?? '').trim()));

test('leaderboard: one row per model in rank order with the API scores and intervals, sortable by mouse and keyboard', async () => {
  const leaderboard = (
    await api<{ leaderboard: { edges: { node: { rank: number; score: number; ci95: { low: number; high: number }; model: { name: string } } }[] } }>(
      'query ($d: ID!) { leaderboard(datasetId: $d) { edges { node { rank score ci95 { low high } model { name } } } } }',
      { d: demo.datasetId },
    )
  ).leaderboard.edges.map((e) => e.node);
  assert.equal(leaderboard.length, demo.modelIds.length);
  assert.deepEqual(await page.$$eval('#leaderboard-table tbody tr', (rows) => rows.map((r) => r.getAttribute('data-model'))), leaderboard.map((e) => e.model.name));
  const scores = await cellTexts('#leaderboard-table tbody tr td:nth-child(3)');
  scores.forEach((text, i) => assert.equal(text, `${leaderboard[i].score.toFixed(3)} [${leaderboard[i].ci95.low.toFixed(3)}, ${leaderboard[i].ci95.high.toFixed(3)}]`));
  // The images/s column is measured: every demo model embedded the dataset on this platform.
  for (const text of await cellTexts('#leaderboard-table tbody tr td:nth-child(8)')) assert.match(text, /^\d/, 'images/s measured');

  await page.click('#leaderboard-table th:nth-child(6) button'); // Params, largest first
  const params = (await cellTexts('#leaderboard-table tbody tr td:nth-child(6)')).filter((t) => t !== '–').map((t) => Number.parseFloat(t) * (t.endsWith('M') ? 1e6 : t.endsWith('k') ? 1e3 : 1));
  assert.deepEqual(params, [...params].sort((a, b) => b - a));
  assert.equal(await page.getAttribute('#leaderboard-table th:nth-child(6)', 'aria-sort'), 'descending');
  await page.keyboard.press('Enter'); // focus stays on the header button: Enter reverses the order
  assert.equal(await page.getAttribute('#leaderboard-table th:nth-child(6)', 'aria-sort'), 'ascending');
  await page.click('#leaderboard-table th:nth-child(1) button');
  assert.deepEqual(await cellTexts('#leaderboard-table tbody tr td:nth-child(1)'), leaderboard.map((e) => String(e.rank)));
});

test('accuracy scatter: a point per model with an accuracy, the fitted line, and the outliers named under a stricter rule', async () => {
  const { accuracyFit } = await api('query ($d: ID!) { accuracyFit(datasetId: $d, sigmas: 1) { fit { r } models { model { name } outlier } modelsWithoutAccuracy { model { name } } } }', { d: demo.datasetId });
  assert.equal(await page.locator('#scatter .point').count(), accuracyFit.models.length);
  assert.ok(accuracyFit.models.length >= 3);
  assert.equal(await page.locator('#scatter line.fit').count(), 1);
  assert.match(await page.textContent('#scatter figcaption') ?? '', new RegExp(`r = ${(accuracyFit.fit.r as number).toFixed(2)}`));
  await page.fill('#scatter-sigmas', '1');
  await page.press('#scatter-sigmas', 'Enter');
  const expected = accuracyFit.models.filter((m: { outlier: boolean }) => m.outlier).map((m: { model: { name: string } }) => m.model.name).sort();
  assert.ok(expected.length > 0, 'some model lies more than 1 SD off the line');
  await page.waitForFunction((n) => document.querySelectorAll('#scatter .point.outlier').length === n, expected.length);
  assert.deepEqual((await page.$$eval('#scatter .point.outlier', (ps) => ps.map((p) => p.getAttribute('data-model')!))).sort(), expected);
  assert.deepEqual((await cellTexts('#scatter .outlier-label')).sort(), expected);
  assert.match(await page.textContent('#scatter') ?? '', new RegExp(`Without an accuracy \\(left out\\): ${accuracyFit.modelsWithoutAccuracy.map((m: { model: { name: string } }) => m.model.name).join(', ')}`));
});

test('heatmap: models x categories with the per-category scores, the best per category marked', async () => {
  const leaderboard = (await api('query ($d: ID!) { leaderboard(datasetId: $d) { edges { node { model { name } evaluation { perCategory { category score } } } } } }', { d: demo.datasetId })).leaderboard.edges.map((e: { node: unknown }) => e.node);
  const categories = leaderboard[0].evaluation.perCategory.map((c: { category: string }) => c.category);
  assert.deepEqual(await cellTexts('#heatmap-table thead th'), ['Model', ...categories]);
  const rows = await page.$$eval('#heatmap-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => (c.firstChild?.textContent ?? '').trim())));
  rows.forEach((row, i) => {
    assert.equal(row[0], leaderboard[i].model.name);
    assert.deepEqual(row.slice(1), leaderboard[i].evaluation.perCategory.map((c: { score: number }) => c.score.toFixed(3)));
  });
  assert.equal(await page.locator('#heatmap-table td.best').count() >= categories.length, true);
});

test('gallery: the query image and both models\' nearest neighbours with their tags, as neighbours() answers', async () => {
  await page.waitForSelector('#gallery .neighbours li');
  const first = await page.getAttribute('#gallery .pick[aria-pressed="true"]', 'data-image-id');
  assert.ok(first);
  const models = await page.$$eval('#gallery-model-a option, #gallery-model-b option', (os) => os.filter((o) => (o as HTMLOptionElement).selected).map((o) => (o as HTMLOptionElement).value));
  assert.equal(models.length, 2);
  assert.notEqual(models[0], models[1]);
  for (const [column, modelId] of models.entries()) {
    const answer: { neighbours: { neighbours: { image: { name: string } }[] } } = await api('query ($i: ID!, $m: ID!) { neighbours(imageId: $i, modelId: $m, k: 8) { neighbours { image { name } tagSimilarity } } }', { i: first, m: modelId });
    const names: string[] = await page.$$eval(`#gallery .gallery-column:nth-child(${column + 1}) .card-title`, (ts) => ts.map((t) => t.firstChild!.textContent!.replace(/^#\d+ /, '')));
    assert.deepEqual(names, answer.neighbours.neighbours.map((n) => n.image.name));
  }
  // Another query image, picked by search and keyboard.
  await page.fill('#gallery-search', 'Sneaker');
  await page.waitForFunction(() => [...document.querySelectorAll('#gallery .pick')].every((b) => (b.getAttribute('title') ?? '').includes('Sneaker')));
  await page.focus('#gallery .pick:nth-child(2)');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => (document.querySelector('#gallery .query-card')?.textContent ?? '').includes('Sneaker'));
  await page.waitForFunction(() => document.querySelectorAll('#gallery .gallery-column .card').length === 16);
  await page.locator('#gallery-section').screenshot({ path: join(SHOTS, 'gallery.png') });
});

test('projection: one dot per embedded image coloured by the chosen category, with a legend', async () => {
  await page.waitForSelector('#projection svg circle');
  const { dataset } = await api('query ($d: ID!) { dataset(id: $d) { imageCount } }', { d: demo.datasetId });
  assert.equal(await page.locator('#projection svg circle').count(), dataset.imageCount);
  await page.selectOption('#projection-category', 'Garment');
  await page.waitForFunction(() => (document.querySelector('#projection .legend')?.getAttribute('aria-label') ?? '') === 'Garment legend');
  const legend = await cellTexts('#projection .legend li');
  const total = legend.reduce((sum, text) => sum + Number(/\((\d+)\)$/.exec(text)![1]), 0);
  assert.equal(total, dataset.imageCount);
  assert.ok(legend.length >= 5, `garment types: ${legend.join(', ')}`);
});

test('accessibility: every control named, keyboard reaches the panels, text contrast AA, no sideways scrolling at phone width', async () => {
  assert.deepEqual(await unlabelledControls(page), []);
  assert.deepEqual(await lowContrastText(page), []);
  await page.waitForSelector('#gallery .gallery-column .card');
  await page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: true });
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  try {
    await phone.goto(`${home}?dataset=${demo.datasetId}`);
    await phone.waitForSelector('#heatmap-table');
    await phone.waitForSelector('#projection svg circle');
    assert.equal(await overflowsSideways(phone), false);
    assert.deepEqual(await lowContrastText(phone), []);
    await phone.screenshot({ path: join(SHOTS, 'phone.png') });
    // Keyboard only: the first Tab reaches the skip link, Enter jumps to the content, Tab goes on to the sort buttons.
    await phone.keyboard.press('Tab');
    assert.equal(await phone.evaluate(() => document.activeElement?.className), 'skip-link');
    await phone.keyboard.press('Enter');
    assert.equal(await phone.evaluate(() => document.activeElement?.id), 'main');
    let presses = 0;
    while (!(await phone.evaluate(() => document.activeElement?.closest('#leaderboard-table th') !== null)) && presses++ < 20) await phone.keyboard.press('Tab');
    assert.ok(presses <= 20, 'Tab reaches the leaderboard headers');
    await phone.keyboard.press('Enter');
    assert.equal(await phone.getAttribute('#leaderboard-table th:nth-child(1)', 'aria-sort'), 'descending');
  } finally {
    await phone.close();
  }
});

test('runs on a dataset not in the repository: a bad key is refused on the page, an evaluate key starts a run that goes live to succeeded and onto the leaderboard', async () => {
  await page.selectOption('#dataset', tones.datasetId);
  await page.waitForFunction(() => document.querySelectorAll('#leaderboard-table tbody tr').length === 2);
  assert.deepEqual(await cellTexts('#heatmap-table thead th'), ['Model', 'Tone', 'Group']);
  for (const box of await page.$$('#runs input[type="checkbox"]')) if ((await box.getAttribute('value')) !== tones.newModelId) await box.uncheck();
  await page.fill('#run-key', 'ce_not-a-real-key');
  await page.click('#runs button[type="submit"]');
  await page.waitForFunction(() => /unknown or revoked/.test(document.querySelector('#runs .form-status')?.textContent ?? ''));
  const before = await page.locator('#runs li.run').count();
  await page.fill('#run-key', evaluateKey);
  await page.click('#runs button[type="submit"]');
  await page.waitForFunction((n) => document.querySelectorAll('#runs li.run').length === n + 1, before);
  const runId = await page.getAttribute('#runs li.run:first-child', 'data-run-id');
  // The page does not reload: the subscription moves the bar, then the leaderboard gains the new model.
  await page.waitForFunction((id) => document.querySelector(`#runs li[data-run-id="${id}"]`)?.getAttribute('data-status') === 'succeeded', runId, { timeout: 60_000 });
  assert.equal(await page.getAttribute(`#runs li[data-run-id="${runId}"] progress`, 'value'), '100');
  await page.waitForFunction(() => document.querySelectorAll('#leaderboard-table tbody tr').length === 3);
  assert.ok(await page.locator('#leaderboard-table tbody tr[data-model="tone-conv-13"]').count());
});

// import-catalogue end to end on the real PostgreSQL: a generated 1,000-row catalogue through the CLI and GraphQL, its report, re-imports, and scores equal to a hand-written manifest's.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dropDatabase } from '../src/db/serverDatabase.js';
import { uniqueTestDatabaseUrl } from './support/testDatabase.js';
import { startPlatform, type Platform } from '../src/platform.js';
import { lineOf, PLANTED, writeCatalogueFixture, type CatalogueFixture } from './support/catalogueFixture.js';
import { collectSubscription, gql } from './support/platformClient.js';
import { storedScores } from './support/runChecks.js';
import { writeTinyModel } from './support/tinyModels.js';
import { testPlatformConfig } from './support/platformConfig.js';

const KEY = 'test-admin-key-catalogue-0123';
const CLI = join(process.cwd(), 'dist/src/cli/corrembed.js');
const dir = mkdtempSync(join(tmpdir(), 'corrembed-catalogue-'));
const databaseUrl = uniqueTestDatabaseUrl();
const RENAME = ['--rename', 'colour=Colour', '--rename', 'category=Category', '--rename', 'brand=Brand'];
let platform: Platform;
let fixture: CatalogueFixture;

const IMPORT = `mutation ($input: ImportCatalogueInput!) { importCatalogue(input: $input) {
  status dataset { id name version itemCount imageCount categories { name weight tagCount } }
  report { rowsRead items images badRowCount badRows { line reason } duplicateIds { id line firstLine } rowsWithoutImage { count lines }
    rowsWithoutTags { count lines } sharedImages { uri line firstLine } categories { name column distinctTags tags { name count } } nearDuplicateTags { category spellings { name count } }
    imageCheck { mode checked total unreadable { line uri reason } } weights { usersUsed categories { category weight } } ordersError
    mapping { id images imageDelimiter tags tagDelimiter rename { column category } } dataset { name version items images existingId } } } }`;

before(async () => {
  fixture = await writeCatalogueFixture(join(dir, 'shop'));
  platform = await startPlatform(testPlatformConfig(dir, databaseUrl, { adminKey: KEY, workers: 2, batchSize: 200 }), () => undefined);
});

after(async () => {
  await platform?.close();
  await dropDatabase(databaseUrl);
  rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, 'import-catalogue', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Weights as stored: a JSON column keeps 15 significant digits. */
function assertWeights(actual: Record<string, number>, expected: Record<string, number>): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const [category, weight] of Object.entries(expected))
    assert.ok(Math.abs(actual[category] - weight) < 1e-14, `${category}: ${actual[category]} vs ${weight}`);
}

/** The command run beside this process's platform (spawnSync would block the server it talks to). */
function cliBeside(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'import-catalogue', ...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

const datasetCount = () => platform.db.prisma.dataset.count();

/** Every planted defect, by line, in the report. */
function assertDefectsNamed(report: any, line: (row: number) => number): void {
  const reasons = new Map<number, string>(report.badRows.map((b: { line: number; reason: string }) => [b.line, b.reason]));
  assert.deepEqual(
    [...reasons.keys()].sort((a, b) => a - b),
    [PLANTED.duplicateId, PLANTED.missingImage, PLANTED.noImage, PLANTED.corruptImage].map(line),
  );
  assert.match(reasons.get(line(PLANTED.duplicateId))!, new RegExp(`duplicate item id "SKU-0010" \\(first on line ${line(10)}\\)`));
  assert.match(reasons.get(line(PLANTED.missingImage))!, /images\/p200\.png cannot be read: not found/);
  assert.equal(reasons.get(line(PLANTED.noImage)), 'no image');
  assert.match(reasons.get(line(PLANTED.corruptImage))!, /images\/p500\.png cannot be read/);
  assert.deepEqual(report.duplicateIds, [{ id: 'SKU-0010', line: line(PLANTED.duplicateId), firstLine: line(10) }]);
  assert.deepEqual(report.rowsWithoutImage, { count: 1, lines: [line(PLANTED.noImage)] });
  assert.deepEqual(report.rowsWithoutTags, { count: 2, lines: PLANTED.untagged.map(line) });
  assert.deepEqual(report.sharedImages, [{ uri: 'images/p699.png', line: line(PLANTED.sharedImage), firstLine: line(699) }]);
  assert.deepEqual(
    report.imageCheck.unreadable.map((u: { line: number }) => u.line),
    [PLANTED.missingImage, PLANTED.corruptImage].map(line),
  );
  assert.deepEqual(report.nearDuplicateTags, [
    {
      category: 'Colour',
      spellings: [
        { name: 'Navy', count: report.categories[0].tags.find((t: { name: string }) => t.name === 'Navy').count },
        { name: 'navy ', count: 1 },
      ],
    },
  ]);
}

test('cli: a dry run names every planted defect and the dataset it would make, and needs no database', () => {
  const {
    status: code,
    stdout,
    stderr,
  } = spawnSync(
    process.execPath,
    [CLI, 'import-catalogue', '--catalogue', fixture.csv, '--orders', fixture.orders, ...RENAME, '--dry-run', '--json'],
    {
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' },
    },
  );
  assert.equal(code, 0, stderr);
  const { status, report } = JSON.parse(stdout);
  assert.equal(status, 'dry-run');
  assert.equal(report.rowsRead, 1000);
  assertDefectsNamed(report, lineOf);
  assert.equal(report.items, fixture.manifest.items.length);
  assert.equal(report.images, fixture.manifest.images.length);
  assert.deepEqual(report.mapping, {
    id: 'product_id',
    images: ['image'],
    imageDelimiter: '|',
    tags: ['colour', 'category', 'brand'],
    tagDelimiter: '|',
    rename: { colour: 'Colour', category: 'Category', brand: 'Brand' },
  });
  assert.deepEqual(report.inferred, ['id', 'images', 'imageDelimiter', 'tags', 'tagDelimiter']);
  const categories = Object.fromEntries(
    report.categories.map((c: { name: string; tags: { name: string; count: number }[] }) => [
      c.name,
      Object.fromEntries(c.tags.map((t) => [t.name, t.count])),
    ]),
  );
  const expected: Record<string, Record<string, number>> = {};
  for (const item of fixture.manifest.items)
    for (const tag of item.tags) (expected[tag.category] ??= {})[tag.name] = (expected[tag.category][tag.name] ?? 0) + 1;
  assert.deepEqual(categories, expected);
  assert.ok(categories.Category['Shirts, casual'] > 0 && categories.Brand['日本製'] > 0, 'quoted commas and UTF-8 tags survive');
  assert.deepEqual(report.weights.categoryWeights, fixture.manifest.categoryWeights);
  assert.equal(report.imageCheck.mode, 'all');
  // Every image of the rows that passed the first screen: the good rows' and the two unreadable ones.
  assert.deepEqual(
    [report.imageCheck.checked, report.imageCheck.total],
    [fixture.manifest.images.length + 2, fixture.manifest.images.length + 2],
  );
  assert.match(stderr, /checking images \[#+\] \d+\/\d+/);
});

test('cli: orders of skipped rows are skipped, of unknown items reported by line unless ignored; weights as corrembed weights gives', () => {
  const orders = join(dir, 'shop', 'orders-extra.csv');
  writeFileSync(orders, `${readFileSync(fixture.orders, 'utf8')}u0,SKU-0300\nu1,NOPE\n`);
  const args = ['--catalogue', fixture.csv, '--orders', orders, ...RENAME, '--check-images', '0', '--dry-run', '--json'];
  const reported = JSON.parse(cli(...args).stdout).report;
  assert.equal(reported.weights, null);
  assert.equal(
    reported.ordersError,
    `orders ${orders} line ${fixture.ordersList.length + 3}: unknown item id "NOPE" (pass --ignore-unknown-items to skip such orders)`,
  );
  const ignored = JSON.parse(cli(...args, '--ignore-unknown-items').stdout).report;
  assert.equal(ignored.ordersError, null);
  assert.equal(ignored.weights.ordersSkipped, 2);
  const manifestPath = join(dir, 'shop', 'weights-manifest.json');
  writeFileSync(manifestPath, JSON.stringify(fixture.manifest));
  const weights = spawnSync(
    process.execPath,
    [CLI, 'weights', '--orders', orders, '--dataset', manifestPath, '--ignore-unknown-items', '--json'],
    { encoding: 'utf8' },
  );
  assert.equal(weights.status, 0, weights.stderr);
  assert.deepEqual(ignored.weights.categoryWeights, JSON.parse(weights.stdout).categoryWeights);
});

test('cli: bad rows stop the import with nothing stored; --skip-invalid stores the rest once; a changed file is a new version', async () => {
  const stopped = cli('--catalogue', fixture.csv, '--orders', fixture.orders, ...RENAME);
  assert.equal(stopped.code, 2);
  assert.match(stopped.stderr, /4 bad rows: nothing stored \(fix them, or pass --skip-invalid/);
  assert.match(stopped.stdout, /line 202: image images\/p200\.png cannot be read: not found/);
  assert.equal(await datasetCount(), 0);
  {
    const stored = cli('--catalogue', fixture.csv, '--orders', fixture.orders, ...RENAME, '--skip-invalid', '--json');
    assert.equal(stored.code, 0, stored.stderr);
    const first = JSON.parse(stored.stdout);
    assert.equal(first.status, 'stored');
    const again = JSON.parse(cli('--catalogue', fixture.csv, '--orders', fixture.orders, ...RENAME, '--skip-invalid', '--json').stdout);
    assert.deepEqual([again.status, again.datasetId], ['reused', first.datasetId]);
    assert.equal(await datasetCount(), 1);
    assert.equal(await platform.db.prisma.item.count({ where: { datasetId: first.datasetId } }), fixture.manifest.items.length);
    const weights = (await platform.db.prisma.dataset.findUniqueOrThrow({ where: { id: first.datasetId } })).categoryWeights;
    assertWeights(weights as Record<string, number>, fixture.manifest.categoryWeights);

    const changed = join(dir, 'shop', 'changed.csv');
    writeFileSync(changed, readFileSync(fixture.csv));
    appendFileSync(changed, 'SKU-9999,Extra,images/p1.png,Red,Trousers,Acme,1.00\n');
    const next = JSON.parse(
      cli('--catalogue', changed, '--name', 'catalogue', '--orders', fixture.orders, ...RENAME, '--skip-invalid', '--json').stdout,
    );
    assert.equal(next.status, 'stored');
    assert.notEqual(next.datasetId, first.datasetId);
    const versions = await platform.db.prisma.dataset.findMany({
      orderBy: { version: 'asc' },
      select: { id: true, version: true, _count: { select: { items: true } } },
    });
    assert.deepEqual(
      versions.map((d) => [d.id, d.version, d._count.items]),
      [
        [first.datasetId, 1, fixture.manifest.items.length],
        [next.datasetId, 2, fixture.manifest.items.length + 1],
      ],
    );
    for (const d of versions) await platform.datasets.delete(d.id);
  }
});

test('graphql: importCatalogue returns the typed report, stores once, and refuses files outside the data roots', async () => {
  const url = platform.server.url;
  const input = {
    path: fixture.csv,
    ordersPath: fixture.orders,
    mapping: {
      id: 'product_id',
      images: ['image'],
      imageDelimiter: '|',
      tags: ['colour', 'category', 'brand'],
      tagDelimiter: '|',
      rename: [
        { column: 'colour', category: 'Colour' },
        { column: 'category', category: 'Category' },
        { column: 'brand', category: 'Brand' },
      ],
    },
    name: 'shop',
    skipInvalid: true,
  };
  const refused = await gql(url, IMPORT, { input: { ...input, path: '/etc/passwd' } }, KEY);
  assert.match(refused.errors![0].message, /outside the folders this server reads manifests from/);
  const anonymous = await gql(url, IMPORT, { input }, undefined);
  assert.equal(anonymous.errors![0].extensions?.code, 'UNAUTHENTICATED');
  const dry = await gql<any>(url, IMPORT, { input: { ...input, dryRun: true } }, KEY);
  assert.equal(dry.errors, undefined, JSON.stringify(dry.errors));
  assert.equal(dry.data.importCatalogue.status, 'DRY_RUN');
  assert.equal(dry.data.importCatalogue.dataset, null);
  assertDefectsNamed(dry.data.importCatalogue.report, lineOf);
  assert.deepEqual(dry.data.importCatalogue.report.mapping.rename[0], { column: 'colour', category: 'Colour' });
  assert.equal(await datasetCount(), 0);
  const stored = await gql<any>(url, IMPORT, { input }, KEY);
  assert.equal(stored.errors, undefined, JSON.stringify(stored.errors));
  const result = stored.data.importCatalogue;
  assert.equal(result.status, 'STORED');
  assert.deepEqual(
    [result.dataset.name, result.dataset.version, result.dataset.itemCount, result.dataset.imageCount],
    ['shop', 1, fixture.manifest.items.length, fixture.manifest.images.length],
  );
  const weights = Object.fromEntries(result.dataset.categories.map((c: { name: string; weight: number }) => [c.name, c.weight]));
  assertWeights(weights, fixture.manifest.categoryWeights);
  const again = await gql<any>(url, IMPORT, { input }, KEY);
  assert.deepEqual([again.data.importCatalogue.status, again.data.importCatalogue.dataset.id], ['REUSED', result.dataset.id]);
  assert.equal(again.data.importCatalogue.report.dataset.existingId, result.dataset.id);
  // The command against the running platform sends this mutation and prints the same report.
  const overHttp = await cliBeside(
    '--catalogue',
    fixture.csv,
    '--orders',
    fixture.orders,
    ...RENAME,
    '--name',
    'shop',
    '--skip-invalid',
    '--url',
    url,
    '--key',
    KEY,
    '--json',
  );
  assert.equal(overHttp.code, 0, overHttp.stderr);
  const remote = JSON.parse(overHttp.stdout);
  assert.deepEqual([remote.status, remote.datasetId], ['reused', result.dataset.id]);
  assertDefectsNamed(remote.report, lineOf);
  assert.deepEqual(remote.report.mapping.rename, { colour: 'Colour', category: 'Category', brand: 'Brand' });
  assertWeights(remote.report.weights.categoryWeights, fixture.manifest.categoryWeights);
  const rejected = await gql<any>(url, IMPORT, { input: { ...input, skipInvalid: false, name: 'strict' } }, KEY);
  assert.deepEqual([rejected.data.importCatalogue.status, rejected.data.importCatalogue.dataset], ['REJECTED', null]);
  assert.equal(await datasetCount(), 1);
});

test('scores of the imported catalogue equal those of the hand-written manifest of the same data', async () => {
  const url = platform.server.url;
  const manifestPath = join(dir, 'shop', 'manifest.json');
  writeFileSync(manifestPath, JSON.stringify(fixture.manifest));
  const byHand = await gql<any>(
    url,
    'mutation ($input: ImportDatasetInput!) { importDataset(input: $input) { id } }',
    { input: { manifestPath } },
    KEY,
  );
  assert.equal(byHand.errors, undefined, JSON.stringify(byHand.errors));
  const imported = await platform.db.prisma.dataset.findFirstOrThrow({ where: { name: 'shop' } });
  const model = await writeTinyModel(join(dir, 'models'), 'conv', { name: 'tiny' });
  const registered = await gql<any>(
    url,
    'mutation ($input: RegisterModelInput!) { registerModel(input: $input) { id } }',
    { input: { manifestPath: model.manifest } },
    KEY,
  );
  assert.equal(registered.errors, undefined, JSON.stringify(registered.errors));
  const scores = [];
  for (const datasetId of [imported.id, byHand.data.importDataset.id]) {
    const started = await gql<any>(
      url,
      'mutation ($input: StartEvaluationInput!) { startEvaluation(input: $input) { id } }',
      { input: { datasetId, modelIds: [registered.data.registerModel.id] } },
      KEY,
    );
    assert.equal(started.errors, undefined, JSON.stringify(started.errors));
    const runId = started.data.startEvaluation.id;
    await collectSubscription(platform.server.wsUrl, 'subscription ($runId: ID!) { runCompleted(runId: $runId) { id } }', { runId });
    scores.push(await storedScores(platform.db.prisma, runId));
  }
  assert.equal(scores[0][0].status, 'succeeded', scores[0][0].error ?? '');
  assert.ok(typeof scores[0][0].score === 'number');
  assert.deepEqual(scores[0], scores[1]);
  const [a, b] = await Promise.all([
    platform.datasets.loadForScoring(imported.id),
    platform.datasets.loadForScoring(byHand.data.importDataset.id),
  ]);
  assert.deepEqual({ ...a.manifest, name: '' }, { ...b.manifest, name: '' });
});

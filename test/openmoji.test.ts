// The OpenMoji importer on the real openmoji package: the manifest through the platform's loader and into PostgreSQL,
// tags as the CSV gives them, PNGs rasterised by sharp, skipped rows, skin tones, argument errors, and a CorrEmbed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { DatasetService } from '../src/catalog/datasetService.js';
import type { Database } from '../src/db/database.js';
import { createTestDatabase } from './support/testDatabase.js';
import { embedImages } from '../src/embedding/embedImages.js';
import { UserInputError } from '../src/errors.js';
import { importOpenmoji, OPENMOJI_WEIGHTS } from '../src/importers/openmoji.js';
import { installedOpenmojiDir } from '../src/importers/openmojiPackage.js';
import { EmbeddingModel } from '../src/inference/embeddingModel.js';
import { loadModelManifest } from '../src/inference/modelManifest.js';
import { loadManifest } from '../src/io/datasetFiles.js';
import { scoreCorrEmbed } from '../src/metric/corrEmbed.js';
import type { DatasetManifest } from '../src/metric/dataset.js';
import { parseScoreOptions } from '../src/metric/options.js';
import { writeTinyModel } from './support/tinyModels.js';

const CLI = join(process.cwd(), 'dist/src/cli/corrembed.js');
const PACKAGE = installedOpenmojiDir();
const dir = mkdtempSync(join(tmpdir(), 'corrembed-openmoji-'));
/** The first 24 smileys (1F600 first), imported twice by the CLI. */
const smileys = join(dir, 'smileys');
const LIMIT = 24;
let manifest: DatasetManifest;
let db: Database;

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [CLI, 'import-openmoji', ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function keywordsOf(m: DatasetManifest, item: string): string[] {
  return m.items
    .find((i) => i.id === item)!
    .tags.filter((t) => t.category === 'Keyword')
    .map((t) => t.name);
}

before(async () => {
  const { code, stdout, stderr } = cli('--out', smileys, '--groups', 'smileys-emotion', '--limit', String(LIMIT));
  assert.equal(code, 0, stderr);
  assert.match(
    stdout,
    new RegExp(
      `wrote ${LIMIT} emoji \\(${2 * LIMIT} images\\) of OpenMoji 17\\.\\d+\\.\\d+ to .*manifest\\.json; skipped 0 rows without an SVG`,
    ),
  );
  assert.match(stderr, new RegExp(`import-openmoji: ${LIMIT}/${LIMIT} emoji rasterised`));
  manifest = await loadManifest(join(smileys, 'manifest.json'));
  db = await createTestDatabase();
});

after(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('openmoji: the manifest validates, has the documented weights and two images per emoji, colour first', () => {
  assert.match(manifest.name, /^OpenMoji 17\.\d+\.\d+ \(smileys-emotion; 24 emoji\)$/);
  assert.deepEqual(manifest.categoryWeights, OPENMOJI_WEIGHTS);
  assert.equal(manifest.items.length, LIMIT);
  assert.equal(manifest.items[0].id, '1F600');
  assert.deepEqual(
    manifest.images,
    manifest.items.flatMap(({ id }) =>
      ['color', 'black'].map((style) => ({ id: `${id}-${style}`, item: id, uri: `images/${id}-${style}.png` })),
    ),
  );
  for (const item of manifest.items)
    assert.deepEqual([...new Set(item.tags.map((t) => t.category))], ['Group', 'Subgroup', 'Keyword'], item.id);
});

test('openmoji: 1F600 carries the group, subgroup and de-duplicated keywords of its CSV row', () => {
  const tags = manifest.items[0].tags;
  assert.deepEqual(
    tags.filter((t) => t.category !== 'Keyword'),
    [
      { category: 'Group', name: 'smileys-emotion' },
      { category: 'Subgroup', name: 'face-smiling' },
    ],
  );
  // tags: 11 words; openmoji_tags "smile, happy" repeat two of them.
  assert.deepEqual(keywordsOf(manifest, '1F600'), [
    'cheerful',
    'cheery',
    'face',
    'grin',
    'grinning',
    'happy',
    'laugh',
    'nice',
    'smile',
    'smiling',
    'teeth',
  ]);
});

test('openmoji: both renderings decode to 72 x 72 RGB on white; the black one is grey, the colour one yellow', async () => {
  const decode = (style: string) =>
    sharp(join(smileys, 'images', `1F600-${style}.png`))
      .raw()
      .toBuffer({ resolveWithObject: true });
  const [color, black] = await Promise.all([decode('color'), decode('black')]);
  for (const { info, data } of [color, black]) {
    assert.deepEqual([info.width, info.height, info.channels], [72, 72, 3]);
    assert.deepEqual([...data.subarray(0, 3)], [255, 255, 255], 'corner on white');
  }
  const channelMeans = (data: Buffer) =>
    [0, 1, 2].map((c) => data.filter((_, i) => i % 3 === c).reduce((a, b) => a + b, 0) / (data.length / 3));
  const [r, g, b] = channelMeans(color.data);
  assert.ok(r - b > 30 && g - b > 30, `colour 1F600 is yellow: mean RGB ${r}, ${g}, ${b}`);
  assert.ok(
    black.data.every((v, i) => i % 3 !== 0 || (v === black.data[i + 1] && v === black.data[i + 2])),
    'black 1F600 has only greys',
  );
});

test('openmoji: the same arguments give a byte-identical manifest and images', () => {
  const again = join(dir, 'smileys-again');
  assert.equal(cli('--out', again, '--groups', 'smileys-emotion', '--limit', String(LIMIT)).code, 0);
  assert.ok(readFileSync(join(again, 'manifest.json')).equals(readFileSync(join(smileys, 'manifest.json'))));
  for (const image of manifest.images)
    assert.ok(readFileSync(join(again, image.uri!)).equals(readFileSync(join(smileys, image.uri!))), image.id);
});

test('openmoji: the attribution and the CC BY-SA 4.0 licence lie beside the images', () => {
  assert.match(readFileSync(join(smileys, 'ATTRIBUTION.md'), 'utf8'), /OpenMoji.*openmoji\.org[\s\S]*CC BY-SA 4\.0[\s\S]*72 x 72 PNG/);
  assert.match(readFileSync(join(smileys, 'LICENSE'), 'utf8'), /Attribution-ShareAlike 4\.0 International/);
});

/** A copy of the package with real rows and SVGs: 1F600, 1F603 (black SVG missing), 270C and its skin tones (one colour SVG missing). */
function partialPackage(): string {
  const source = join(dir, 'partial');
  const lines = readFileSync(join(PACKAGE, 'data/openmoji.csv'), 'utf8').split('\n');
  const rows = lines.slice(1).filter((line) => ['1F600', '1F603', '270C'].some((hex) => line.includes(`,${hex},`)));
  mkdirSync(join(source, 'data'), { recursive: true });
  writeFileSync(join(source, 'data/openmoji.csv'), [lines[0], ...rows, ''].join('\n'));
  copyFileSync(join(PACKAGE, 'package.json'), join(source, 'package.json'));
  symlinkSync(join(PACKAGE, 'LICENSE.txt'), join(source, 'LICENSE.txt'));
  for (const style of ['color', 'black']) {
    mkdirSync(join(source, style, 'svg'), { recursive: true });
    for (const row of rows) {
      const hex = row.split(',')[1];
      if (!(hex === '1F603' && style === 'black') && !(hex === '270C-1F3FD' && style === 'color')) {
        symlinkSync(join(PACKAGE, style, 'svg', `${hex}.svg`), join(source, style, 'svg', `${hex}.svg`));
      }
    }
  }
  return source;
}

test('openmoji: rows without an SVG are skipped and counted; skin tones become extra images only when asked', async () => {
  const source = partialPackage();
  const plain = await importOpenmoji({ source, out: join(dir, 'plain'), size: 32 });
  assert.deepEqual(plain.skipped, ['1F603']);
  const plainManifest = await loadManifest(plain.manifestPath);
  assert.deepEqual(
    plainManifest.items.map((i) => i.id),
    ['1F600', '270C'],
  );
  assert.equal(plainManifest.images.length, 4);
  // 270C: tags "hand, peace, v, victory"; openmoji_tags add four more (one is "V sign", lower-cased).
  assert.deepEqual(keywordsOf(plainManifest, '270C'), ['hand', 'peace', 'v', 'victory', 'air quotes', 'quotes', 'peace sign', 'v sign']);
  const { info } = await sharp(join(dir, 'plain/images/270C-black.png')).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [32, 32, 3]);

  const toned = await importOpenmoji({ source, out: join(dir, 'toned'), includeSkinTones: true, limit: 2 });
  assert.deepEqual(toned.skipped, ['1F603', '270C-1F3FD']);
  const tonedManifest = await loadManifest(toned.manifestPath);
  const variants = ['1F3FB', '1F3FC', '1F3FE', '1F3FF'].map((tone) => `270C-${tone}`);
  assert.deepEqual(
    tonedManifest.images.filter((i) => i.item === '270C').map((i) => i.id),
    ['270C', ...variants].flatMap((hex) => [`${hex}-color`, `${hex}-black`]),
  );
  assert.deepEqual(tonedManifest.items, plainManifest.items);
});

test('openmoji: bad arguments are one-line errors; unknown groups list the valid ones', async () => {
  const out = join(dir, 'never');
  const cases: [string[], RegExp][] = [
    [
      ['--out', out, '--groups', 'animals-nature,plants'],
      /^corrembed import-openmoji: unknown group "plants" \(groups: smileys-emotion, people-body, .*animals-nature, food-drink, .*extras-unicode\)$/,
    ],
    [['--out', out, '--size', '7'], /--size must be an integer from 8 to 2048 \(got "7"\)$/],
    [['--out', out, '--limit', '1.5'], /--limit must be an integer >= 1 \(got "1\.5"\)$/],
    [['--groups', 'flags'], /--out <dir> is required$/],
    [['--out', out, '--source', dir], /cannot read .*data\/openmoji\.csv \(ENOENT\); --source must be the openmoji package folder$/],
    [['--out', out, '--colour'], /Unknown option '--colour'/],
  ];
  for (const [args, message] of cases) {
    const { code, stdout, stderr } = cli(...args);
    assert.equal(code, 2, args.join(' '));
    assert.equal(stdout, '');
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.match(stderr.trim(), message);
  }
  await assert.rejects(importOpenmoji({ out, groups: ['component'], limit: 1, source: join(dir, 'partial') }), (error: unknown) => {
    assert.ok(error instanceof UserInputError);
    assert.match(error.message, /unknown group "component" \(groups: smileys-emotion, people-body\)/);
    return true;
  });
});

test('openmoji: the platform imports the dataset into PostgreSQL and a real ONNX model scores it to a defined CorrEmbed', async () => {
  const datasets = new DatasetService(db.prisma, [dir]);
  const dataset = await datasets.importDataset({ manifestPath: join(smileys, 'manifest.json') });
  const categories = await db.prisma.tagCategory.findMany({ where: { datasetId: dataset.id }, orderBy: { name: 'asc' } });
  assert.deepEqual(
    categories.map((c) => [c.name, c.weight]),
    [
      ['Group', 0.5],
      ['Keyword', 0.3],
      ['Subgroup', 0.8],
    ],
  );
  const stored = await datasets.loadForScoring(dataset.id);
  assert.deepEqual(stored.manifest.items, manifest.items);
  assert.ok(stored.images.every((image) => image.contentHash !== null));

  const model = await EmbeddingModel.load(await loadModelManifest((await writeTinyModel(join(dir, 'models'), 'conv')).manifest));
  try {
    const { vectors, failed } = await embedImages(
      model,
      stored.manifest.images.map((i) => ({ id: i.id, uri: i.uri! })),
      stored.rootDir,
    );
    assert.deepEqual(failed, []);
    const data = new Float32Array(manifest.images.length * model.dim);
    stored.manifest.images.forEach((image, i) => data.set(vectors.get(image.id)!, i * model.dim));
    const report = await scoreCorrEmbed(
      stored.manifest,
      { rows: manifest.images.length, dim: model.dim, data },
      parseScoreOptions(undefined),
    );
    assert.equal(report.queriesUsed, 2 * LIMIT);
    assert.ok(Number.isFinite(report.score) && report.score! > -1 && report.score! < 1, String(report.score));
    assert.deepEqual(Object.keys(report.perCategory!).sort(), ['Group', 'Keyword', 'Subgroup']);
    console.log(
      `tiny conv model on ${manifest.name}: CorrEmbed ${report.score!.toFixed(4)} (95% CI ${report.ci95!.map((v) => v.toFixed(4)).join('..')})`,
    );
  } finally {
    await model.release();
  }
});

// DatasetService on a real PostgreSQL: import of real image files, exact round trip for scoring, bad inputs store nothing, cascades.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { DatasetService } from '../src/catalog/datasetService.js';
import type { Database } from '../src/db/database.js';
import { createTestDatabase } from './support/testDatabase.js';
import { UserInputError } from '../src/errors.js';
import { parseManifest, type DatasetManifest } from '../src/metric/dataset.js';
import { createRng } from '../src/metric/random.js';

let db: Database;
let service: DatasetService;
const dir = mkdtempSync(join(tmpdir(), 'corrembed-datasets-'));

before(async () => {
  db = await createTestDatabase();
  service = new DatasetService(db.prisma, [dir]);
});
after(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

function writeFile(relativePath: string, content: string | Buffer): string {
  const path = join(dir, relativePath);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** 40 items over three categories (one unweighted, one weighted but unused), 3 untagged, 1 without images; images shuffled, PNGs in subfolders, one URL. */
async function writeDataset(folder: string): Promise<{ manifestPath: string; json: object; hashes: Map<string, string | null> }> {
  const rng = createRng(7);
  const pick = <T>(list: T[]) => list[rng.int(list.length)];
  const colors = ['Black', 'Blue', 'Red', 'White'];
  const kinds = ['Dress', 'Pants', 'Shirt'];
  const items = Array.from({ length: 40 }, (_, i) => {
    const tags =
      i % 13 === 5
        ? []
        : [
            { category: 'Color', name: pick(colors) },
            { category: 'Kind', name: pick(kinds) },
          ];
    if (i % 4 === 0) tags.unshift({ category: 'Material', name: 'Silk' }); // unweighted, and first: category order follows items
    if (i % 6 === 1) tags.push({ category: 'Color', name: 'Gold' }); // two tags of one category
    return { id: `item-${i}`, tags };
  });
  const images: { id: string; item: string; uri: string }[] = [];
  const hashes = new Map<string, string | null>();
  for (let i = 0; i < 39; i++) {
    for (let k = 0; k <= i % 3; k++) {
      const id = `p${i}-${k}`;
      const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: i, g: k * 60, b: 200 } } })
        .png()
        .toBuffer();
      const uri = `images/${i % 5}/${id}.png`;
      writeFile(join(folder, uri), png);
      images.push({ id, item: `item-${i}`, uri });
      hashes.set(id, sha256(png));
    }
  }
  images.push({ id: 'remote', item: 'item-2', uri: 'https://example.org/remote.jpg' });
  hashes.set('remote', null);
  for (let i = images.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [images[i], images[j]] = [images[j], images[i]];
  }
  const json = { name: 'fashion', categoryWeights: { Kind: 0.59, Color: 0.34, Season: 0.2 }, items, images };
  return { manifestPath: writeFile(join(folder, 'manifest.json'), JSON.stringify(json)), json, hashes };
}

async function counts(): Promise<number[]> {
  const p = db.prisma;
  return Promise.all([
    p.dataset.count(),
    p.tagCategory.count(),
    p.tag.count(),
    p.item.count(),
    p.itemTag.count(),
    p.image.count(),
    p.run.count(),
    p.evaluation.count(),
  ]);
}

async function rejectsWith(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UserInputError, String(error));
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

test('import stores the dataset; loadForScoring gives back the manifest exactly, in dataset order, with content hashes', async () => {
  const { manifestPath, json, hashes } = await writeDataset('a');
  const dataset = await service.importDataset({ manifestPath });
  assert.equal(dataset.name, 'fashion');
  assert.equal(dataset.manifestPath, manifestPath);
  assert.equal(dataset.rootDir, join(dir, 'a'));
  assert.deepEqual(await service.get(dataset.id), dataset);

  const scoring = await service.loadForScoring(dataset.id);
  const expected: DatasetManifest = parseManifest(json);
  assert.deepEqual(scoring.manifest, expected);
  assert.deepEqual(
    scoring.manifest.items.map((i) => i.id),
    expected.items.map((i) => i.id),
  );
  assert.deepEqual(Object.keys(scoring.manifest.categoryWeights).sort(), ['Color', 'Kind', 'Season']);
  assert.equal(scoring.rootDir, join(dir, 'a'));
  assert.deepEqual(
    scoring.images.map((i) => i.externalId),
    expected.images.map((i) => i.id),
  );
  assert.deepEqual(
    scoring.images.map((i) => i.contentHash),
    expected.images.map((i) => hashes.get(i.id)),
  );
  assert.deepEqual(
    scoring.images.map((i) => i.uri),
    expected.images.map((i) => i.uri),
  );
  assert.equal(new Set(scoring.images.map((i) => i.id)).size, scoring.images.length);

  const categories = await db.prisma.tagCategory.findMany({ where: { datasetId: dataset.id }, orderBy: { name: 'asc' } });
  assert.deepEqual(
    categories.map((c) => [c.name, c.weight]),
    [
      ['Color', 0.34],
      ['Kind', 0.59],
      ['Material', null],
      ['Season', 0.2],
    ],
  );
  const distinctTags = new Set(expected.items.flatMap((i) => i.tags.map((t) => `${t.category}/${t.name}`)));
  assert.equal(await db.prisma.tag.count({ where: { category: { datasetId: dataset.id } } }), distinctTags.size);
});

test('a name given at import overrides the manifest name; list shows datasets oldest first', async () => {
  const { manifestPath } = await writeDataset('b');
  const dataset = await service.importDataset({ manifestPath, name: 'renamed' });
  assert.equal(dataset.name, 'renamed');
  const listed = await service.list();
  assert.equal(listed.at(-1)!.id, dataset.id);
  assert.deepEqual(
    listed.map((d) => d.createdAt.getTime()),
    listed.map((d) => d.createdAt.getTime()).sort((a, b) => a - b),
  );
});

test('a missing image file is a clear error naming it, and nothing is stored', async () => {
  const { manifestPath, json } = await writeDataset('c');
  const broken = { ...json, images: [...(json as { images: object[] }).images, { id: 'ghost', item: 'item-0', uri: 'images/ghost.png' }] };
  writeFileSync(manifestPath, JSON.stringify(broken));
  const before = await counts();
  await rejectsWith(
    service.importDataset({ manifestPath }),
    'BAD_USER_INPUT',
    /image file not found: images\/ghost\.png \(image "ghost"\)/,
  );
  assert.deepEqual(await counts(), before);
});

test('malformed manifests and bad uris are user errors and store nothing', async () => {
  const before = await counts();
  const image = (uri: string) => ({ items: [{ id: 'A' }], images: [{ id: 'p1', item: 'A', uri }] });
  writeFile('outside.png', 'x');
  const cases: [string, string, RegExp][] = [
    ['{ "items": [', 'BAD_USER_INPUT', /malformed JSON/],
    [JSON.stringify({ items: [{ id: 'A' }], images: [{ id: 'p1', item: 'B', uri: 'x.png' }] }), 'BAD_USER_INPUT', /unknown item id "B"/],
    [JSON.stringify({ items: [{ id: 'A' }], images: [{ id: 'p1', item: 'A' }] }), 'BAD_USER_INPUT', /image "p1" has no "uri"/],
    [JSON.stringify(image('../../../outside.png')), 'BAD_USER_INPUT', /outside the manifest's folder/],
    [JSON.stringify(image('images/../../missing.png')), 'BAD_USER_INPUT', /outside the manifest's folder/],
    [JSON.stringify(image('linked.png')), 'BAD_USER_INPUT', /links outside the manifest's folder/],
    [JSON.stringify(image(join(dir, 'outside.png'))), 'BAD_USER_INPUT', /must be relative to the manifest's folder/],
    [
      JSON.stringify(image('file:///etc/passwd')),
      'BAD_USER_INPUT',
      /relative to the manifest's folder, an http\(s\) URL or an s3:\/\/bucket\/key URI/,
    ],
  ];
  for (const [i, [text, code, message]] of cases.entries()) {
    const manifestPath = writeFile(`bad/${i}/manifest.json`, text);
    symlinkSync(join(dir, 'outside.png'), join(dirname(manifestPath), 'linked.png'));
    await rejectsWith(service.importDataset({ manifestPath }), code, message);
  }
  await rejectsWith(service.importDataset({ manifestPath: join(dir, 'nowhere.json') }), 'NOT_FOUND', /cannot read/);
  assert.deepEqual(await counts(), before);
});

test('unknown dataset ids are NOT_FOUND', async () => {
  await rejectsWith(service.get('nope'), 'NOT_FOUND', /dataset "nope" not found/);
  await rejectsWith(service.delete('nope'), 'NOT_FOUND', /dataset "nope" not found/);
  await rejectsWith(service.loadForScoring('nope'), 'NOT_FOUND', /dataset "nope" not found/);
});

test('deleting a dataset deletes its categories, tags, items, images, runs and evaluations, and nothing else', async () => {
  const kept = await service.importDataset({ manifestPath: (await writeDataset('d')).manifestPath });
  const doomed = await service.importDataset({ manifestPath: (await writeDataset('e')).manifestPath });
  const model = await db.prisma.model.create({
    data: {
      name: 'm',
      onnxPath: '/m.onnx',
      onnxHash: 'h',
      preprocess: {},
      preprocessHash: 'p',
      inputName: 'x',
      layout: 'NCHW',
      outputName: 'y',
      dim: 8,
    },
  });
  for (const dataset of [kept, doomed]) {
    await db.prisma.run.create({ data: { datasetId: dataset.id, options: {}, evaluations: { create: { modelId: model.id } } } });
  }
  const where = { datasetId: doomed.id };
  const owned = async () =>
    Promise.all([
      db.prisma.tagCategory.count({ where }),
      db.prisma.tag.count({ where: { category: where } }),
      db.prisma.item.count({ where }),
      db.prisma.itemTag.count({ where: { item: where } }),
      db.prisma.image.count({ where }),
      db.prisma.run.count({ where }),
      db.prisma.evaluation.count({ where: { run: where } }),
    ]);
  const doomedRows = await owned();
  assert.ok(
    doomedRows.every((n) => n > 0),
    String(doomedRows),
  );
  const before = await counts();
  assert.equal((await service.delete(doomed.id)).id, doomed.id);
  assert.deepEqual(await owned(), [0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(await counts(), [before[0] - 1, ...before.slice(1).map((n, i) => n - doomedRows[i])]);
  assert.equal((await service.loadForScoring(kept.id)).images.length, 79);
  assert.equal(await db.prisma.model.count({ where: { id: model.id } }), 1);
  await rejectsWith(service.get(doomed.id), 'NOT_FOUND', /not found/);
});

test('20,000 images of 8,000 items import in seconds', async () => {
  const items = Array.from({ length: 8000 }, (_, i) => ({
    id: `i${i}`,
    tags: [
      { category: 'Group', name: `g${i % 50}` },
      { category: 'Color', name: `c${i % 7}` },
    ],
  }));
  const images = Array.from({ length: 20000 }, (_, i) => {
    const uri = `big/${i % 100}/${i}.bin`;
    writeFile(uri, `image ${i}`);
    return { id: `p${i}`, item: `i${i % 8000}`, uri };
  });
  const manifestPath = writeFile('big.json', JSON.stringify({ name: 'big', categoryWeights: { Group: 0.5 }, items, images }));
  const started = performance.now();
  const dataset = await service.importDataset({ manifestPath });
  const importSeconds = (performance.now() - started) / 1000;
  const loadStarted = performance.now();
  const scoring = await service.loadForScoring(dataset.id);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  console.log(`# import of 20,000 images: ${importSeconds.toFixed(2)} s; loadForScoring: ${loadSeconds.toFixed(2)} s`);
  assert.equal(scoring.images.length, 20000);
  assert.equal(scoring.images[19999].contentHash, sha256(Buffer.from('image 19999')));
  assert.deepEqual(scoring.manifest.items[7999], items[7999]);
  assert.ok(importSeconds < 30, `import took ${importSeconds} s`);
});

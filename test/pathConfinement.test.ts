// Manifest paths named through the API stay under the data roots (no `..`, no symlink escape, S3 prefixes); paths inside manifests stay in their folder.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { DatasetService } from '../src/catalog/datasetService.js';
import { confineManifestPath } from '../src/catalog/manifestRoots.js';
import { ModelService } from '../src/catalog/modelService.js';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import type { Database } from '../src/db/database.js';
import { createTestDatabase } from './support/testDatabase.js';
import { UserInputError } from '../src/errors.js';
import { readImageBytes } from '../src/imaging/imageSource.js';
import { loadModelManifest } from '../src/inference/modelManifest.js';
import { writeTinyModel } from './support/tinyModels.js';

const dir = mkdtempSync(join(tmpdir(), 'corrembed-confine-'));
const root = join(dir, 'root');
const outside = join(dir, 'outside');
let db: Database;

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp, code = 'BAD_USER_INPUT'): Promise<void> {
  await assert.rejects(
    promise,
    (error: unknown) =>
      error instanceof UserInputError && error.code === code && pattern.test(error.message) && !error.message.includes('\n'),
  );
}

before(async () => {
  mkdirSync(join(root, 'data'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(root, 'data', 'manifest.json'), '{}');
  writeFileSync(join(outside, 'manifest.json'), '{}');
  symlinkSync(join(outside, 'manifest.json'), join(root, 'data', 'escape.json'));
  symlinkSync(outside, join(root, 'linked-dir'));
  symlinkSync(join(root, 'data'), join(dir, 'root-alias'));
  db = await createTestDatabase();
});
after(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

test('confinement: inside a root passes; `..`, absolute paths elsewhere and symlinks out are refused', async () => {
  const roots = [root];
  assert.equal(await confineManifestPath(join(root, 'data', 'manifest.json'), roots, 'manifest'), join(root, 'data', 'manifest.json'));
  assert.equal(
    await confineManifestPath(join(root, 'data', '..', 'data', 'manifest.json'), roots, 'manifest'),
    join(root, 'data', 'manifest.json'),
  );
  const refused = /outside the folders this server reads manifests from \(CORREMBED_DATA_ROOTS\)$/;
  await rejectsWith(confineManifestPath(join(root, '..', 'outside', 'manifest.json'), roots, 'manifest'), refused);
  await rejectsWith(confineManifestPath('/etc/passwd', roots, 'manifest'), /^manifest \/etc\/passwd: outside the folders/);
  await rejectsWith(confineManifestPath(join(root, 'data', 'escape.json'), roots, 'manifest'), refused);
  await rejectsWith(confineManifestPath(join(root, 'linked-dir', 'manifest.json'), roots, 'manifest'), refused);
  // A path outside every root is refused without looking at the file system: no oracle for what exists there.
  await rejectsWith(confineManifestPath(join(outside, 'nonexistent.json'), roots, 'manifest'), refused);
  await rejectsWith(confineManifestPath(join(root, 'data', 'nonexistent.json'), roots, 'manifest'), /cannot read \(ENOENT\)/, 'NOT_FOUND');
  // A root that is itself a symlink works; a path must name a root as written, even when a link outside leads into one.
  assert.ok(await confineManifestPath(join(dir, 'root-alias', 'manifest.json'), [join(dir, 'root-alias')], 'manifest'));
  await rejectsWith(confineManifestPath(join(dir, 'root-alias', 'manifest.json'), [root], 'manifest'), refused);
  await rejectsWith(confineManifestPath(join(root, 'data', 'manifest.json'), [], 'manifest'), refused);
});

test('confinement: s3:// manifests must lie under an s3:// root, without dot segments', async () => {
  const roots = ['s3://catalogue/public/', root];
  assert.equal(
    await confineManifestPath('s3://catalogue/public/a/manifest.json', roots, 'manifest'),
    's3://catalogue/public/a/manifest.json',
  );
  await rejectsWith(confineManifestPath('s3://catalogue/private/manifest.json', roots, 'manifest'), /outside the folders/);
  await rejectsWith(confineManifestPath('s3://catalogue/publicity/manifest.json', roots, 'manifest'), /outside the folders/);
  await rejectsWith(confineManifestPath('s3://catalogue/public/../private/manifest.json', roots, 'manifest'), /outside the folders/);
  await rejectsWith(confineManifestPath('s3://other/public/manifest.json', roots, 'manifest'), /outside the folders/);
});

test('config: CORREMBED_DATA_ROOTS defaults to the data dir, demo and models; entries are checked', () => {
  const defaults = loadConfig({ CORREMBED_DATA_DIR: join(dir, 'state') }).inputSafety.manifestRoots;
  assert.deepEqual(defaults, [join(dir, 'state'), resolve('demo'), resolve('models')]);
  assert.deepEqual(loadConfig({ CORREMBED_DATA_ROOTS: `${root}, s3://bucket/prefix ,data` }).inputSafety.manifestRoots, [
    root,
    's3://bucket/prefix/',
    resolve('data'),
  ]);
  assert.throws(
    () => loadConfig({ CORREMBED_DATA_ROOTS: 's3://Bad_Bucket/' }),
    (e: Error) => e instanceof ConfigError && /CORREMBED_DATA_ROOTS has a malformed S3 root/.test(e.message),
  );
});

test('services: importDataset and registerModel refuse manifests outside the roots and store nothing', async () => {
  const model = await writeTinyModel(join(outside, 'models'), 'conv', { name: 'outsider' });
  const datasets = new DatasetService(db.prisma, [root]);
  const models = new ModelService(db.prisma, [root]);
  await rejectsWith(datasets.importDataset({ manifestPath: join(outside, 'manifest.json') }), /^manifest .*: outside the folders/);
  await rejectsWith(datasets.importDataset({ manifestPath: join(root, 'data', 'escape.json') }), /outside the folders/);
  await rejectsWith(models.register(model.manifest), /^model manifest .*: outside the folders/);
  await rejectsWith(models.register(join(root, '..', 'outside', 'models', 'outsider.json')), /outside the folders/);
  assert.equal(await db.prisma.model.count({ where: { name: 'outsider' } }), 0);
  // The same manifest under a root registers.
  const inside = await writeTinyModel(join(root, 'models'), 'conv', { name: 'insider' });
  assert.equal((await new ModelService(db.prisma, [root]).register(inside.manifest)).name, 'insider');
});

test('services: s3:// images and model files named by a manifest must lie under an s3:// root too', async () => {
  const manifest = join(root, 'data', 's3-images.json');
  const image = (uri: string) => ({
    name: 's3',
    categoryWeights: {},
    items: [{ id: 'A', tags: [] }],
    images: [{ id: 'p1', item: 'A', uri }],
  });
  writeFileSync(manifest, JSON.stringify(image('s3://private-bucket/secret.png')));
  await rejectsWith(
    new DatasetService(db.prisma, [root]).importDataset({ manifestPath: manifest }),
    /^manifest: image "p1" s3:\/\/private-bucket\/secret\.png: outside the folders/,
  );
  await rejectsWith(
    new DatasetService(db.prisma, [root, 's3://public-bucket/']).importDataset({ manifestPath: manifest }),
    /outside the folders/,
  );
  const model = join(root, 'data', 's3-model.json');
  writeFileSync(
    model,
    JSON.stringify({
      name: 's3-model',
      file: 's3://private-bucket/model.onnx',
      preprocess: { resize: 20, crop: 16, interpolation: 'bilinear', mean: [0, 0, 0], std: [1, 1, 1] },
    }),
  );
  await rejectsWith(
    new ModelService(db.prisma, [root]).register(model),
    /^model manifest .*s3-model\.json: file s3:\/\/private-bucket\/model\.onnx: outside the folders/,
  );
  assert.equal(await db.prisma.dataset.count({ where: { name: 's3' } }), 0);
});

test('inside a manifest: the ONNX file and image paths stay in the manifest folder, symlinks resolved', async () => {
  const folder = join(root, 'm');
  const written = await writeTinyModel(folder, 'conv', { name: 'm' });
  symlinkSync(written.onnx, join(folder, 'alias.onnx'));
  symlinkSync(join(outside, 'models', 'outsider.onnx'), join(folder, 'escape.onnx'));
  const manifest = (file: string) => {
    const path = join(folder, `with-${file.replace(/\W/g, '_')}.json`);
    writeFileSync(
      path,
      JSON.stringify({ name: 'm', file, preprocess: { resize: 20, crop: 16, interpolation: 'bilinear', mean: [0, 0, 0], std: [1, 1, 1] } }),
    );
    return path;
  };
  assert.equal((await loadModelManifest(manifest('alias.onnx'))).file, written.onnx);
  await rejectsWith(loadModelManifest(manifest('escape.onnx')), /outside the folder/);
  await rejectsWith(loadModelManifest(manifest('../../outside/models/outsider.onnx')), /outside the folder/);
  await rejectsWith(loadModelManifest(manifest(join(outside, 'models', 'outsider.onnx'))), /outside the folder/);
  writeFileSync(join(outside, 'secret.png'), 'secret');
  symlinkSync(join(outside, 'secret.png'), join(folder, 'secret.png'));
  await rejectsWith(readImageBytes('secret.png', folder), /outside the folder/);
  await rejectsWith(readImageBytes('../../outside/secret.png', folder), /outside the folder/);
});

// The dashboard's queries over HTTP against a real platform: images, neighbours, projection, thumbnails, throughput, and their errors.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { dropDatabase } from '../src/db/serverDatabase.js';
import { uniqueTestDatabaseUrl } from './support/testDatabase.js';
import { DEMO_MANIFEST, ZOO_DIR, seedDemo, type DemoSeed } from '../src/demo/seedDemo.js';
import { EmbeddingSpaces } from '../src/gallery/embeddingSpaces.js';
import type { DatasetManifest } from '../src/metric/dataset.js';
import { startPlatform, type Platform } from '../src/platform.js';
import { gql } from './support/platformClient.js';
import { writeTinyModel } from './support/tinyModels.js';
import { testPlatformConfig } from './support/platformConfig.js';
import { shardCache } from './support/vectorShards.js';

const DEMO: DatasetManifest = JSON.parse(readFileSync(DEMO_MANIFEST, 'utf8'));
const NEIGHBOURS = `query ($image: ID!, $model: ID!, $k: Int) { neighbours(imageId: $image, modelId: $model, k: $k) {
  query { id name itemId } model { id name } meanTagSimilarity
  neighbours { rank similarity tagSimilarity sameItem image { id name itemId tags { category name } } } } }`;
const PROJECTION = `query ($d: ID!, $m: ID!, $c: String, $limit: Int, $method: ProjectionMethod) { projection(datasetId: $d, modelId: $m, category: $c, limit: $limit, method: $method) {
  model { id } method explainedVariance category total points { imageId name x y tags } } }`;
const IMAGES = `query ($d: ID!, $search: String, $first: Int, $after: String, $last: Int, $before: String, $size: Int) {
  images(datasetId: $d, search: $search, first: $first, after: $after, last: $last, before: $before) {
  totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id name itemId tags { category name } thumbnail(size: $size) } } } }`;

/** The cosine of two items' tag vectors as docs/metric.md defines it: each tag weighs its category's weight rounded to 2 decimals (1 when none). */
function tagCosine(manifest: DatasetManifest, a: string, b: string): number {
  const weight = (category: string) =>
    Object.hasOwn(manifest.categoryWeights, category) ? Math.round(manifest.categoryWeights[category] * 100) / 100 : 1;
  const tags = (id: string) => manifest.items.find((item) => item.id === id)!.tags;
  const norm = (id: string) => Math.sqrt(tags(id).reduce((sum, t) => sum + weight(t.category) ** 2, 0));
  const shared = tags(a).filter((t) => tags(b).some((u) => u.category === t.category && u.name === t.name));
  const dot = shared.reduce((sum, t) => sum + weight(t.category) ** 2, 0);
  return dot === 0 ? 0 : dot / (norm(a) * norm(b));
}

/** Eight items of two images each (two shades of one colour) and a ninth image that cannot be decoded. */
async function writePairsDataset(dir: string): Promise<string> {
  mkdirSync(join(dir, 'images'), { recursive: true });
  const items = [];
  const images = [];
  for (let i = 0; i < 8; i++) {
    items.push({
      id: `item${i}`,
      tags: [
        { category: 'Tone', name: i < 4 ? 'dark' : 'light' },
        { category: 'Group', name: `g${i % 2}` },
      ],
    });
    for (const shade of [0, 1]) {
      const rgb = { r: (i * 70 + shade * 9) % 256, g: (i * 30 + shade * 9) % 256, b: (i * 110) % 256 };
      await sharp({ create: { width: 24, height: 20, channels: 3, background: rgb } })
        .png()
        .toFile(join(dir, 'images', `${i}-${shade}.png`));
      images.push({ id: `p${i}-${shade}`, item: `item${i}`, uri: `images/${i}-${shade}.png` });
    }
  }
  writeFileSync(join(dir, 'images', 'broken.png'), 'not a png');
  images.push({ id: 'broken', item: 'item0', uri: 'images/broken.png' });
  const manifestPath = join(dir, 'manifest.json');
  writeFileSync(manifestPath, JSON.stringify({ name: 'pairs', categoryWeights: { Tone: 0.5 }, items, images }));
  return manifestPath;
}

describe('gallery queries over GraphQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'corrembed-gallery-'));
  const databaseUrl = uniqueTestDatabaseUrl();
  let platform: Platform;
  let url: string;
  let demo: DemoSeed;
  /** Database id of each demo image, by manifest id. */
  const demoImageIds = new Map<string, string>();
  let pairsId: string;
  let tinyModelId: string;

  const ok = async <T = any>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const response = await gql<T>(url, query, variables);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data!;
  };
  const code = async (query: string, variables: Record<string, unknown>): Promise<[string | undefined, string]> => {
    const response = await gql(url, query, variables);
    return [response.errors?.[0]?.extensions?.code, response.errors?.[0]?.message ?? ''];
  };
  /** A page of images with its nodes pulled out of the edges. */
  const images = async (variables: Record<string, unknown>) => {
    const page = (await ok(IMAGES, variables)).images;
    return { ...page, nodes: page.edges.map((edge: any) => edge.node) };
  };

  before(async () => {
    const roots = `${dir},${dirname(dirname(DEMO_MANIFEST))},${ZOO_DIR}`;
    platform = await startPlatform(testPlatformConfig(dir, databaseUrl, {}, roots), () => undefined);
    url = platform.server.url;
    demo = await seedDemo(platform, () => undefined);
    for (const image of await platform.db.prisma.image.findMany({ where: { datasetId: demo.datasetId } }))
      demoImageIds.set(image.externalId, image.id);
    pairsId = (await platform.datasets.importDataset({ manifestPath: await writePairsDataset(join(dir, 'pairs')) })).id;
    tinyModelId = (await platform.models.register((await writeTinyModel(join(dir, 'models'), 'conv')).manifest)).id;
  });

  after(async () => {
    await platform?.close();
    await dropDatabase(databaseUrl);
    rmSync(dir, { recursive: true, force: true });
  });

  test('neighbours match a brute-force cosine ranking of the cached vectors, with the metric tag similarity', async () => {
    const model = await platform.db.prisma.model.findUniqueOrThrow({ where: { id: demo.modelIds[2] } });
    const rows = await platform.db.prisma.image.findMany({ where: { datasetId: demo.datasetId }, orderBy: { position: 'asc' } });
    const vectors = await shardCache(platform.db.pool).get(
      model.onnxHash,
      model.preprocessHash,
      rows.map((r) => r.contentHash!),
    );
    const unit = (hash: string) => {
      const v = Float64Array.from(vectors.get(hash)!);
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    };
    for (const queryName of ['fm-00000', 'fm-00123']) {
      const query = rows.find((r) => r.externalId === queryName)!;
      const q = unit(query.contentHash!);
      const expected = rows
        .filter((r) => r.id !== query.id)
        .map((r) => ({ name: r.externalId, similarity: unit(r.contentHash!).reduce((sum, x, d) => sum + x * q[d], 0) }))
        .sort((a, b) => b.similarity - a.similarity);
      const got = (await ok(NEIGHBOURS, { image: query.id, model: model.id, k: 10 })).neighbours;
      assert.equal(got.query.name, queryName);
      assert.equal(got.model.name, model.name);
      assert.equal(got.neighbours.length, 10);
      got.neighbours.forEach((n: any, i: number) => {
        assert.equal(n.rank, i + 1);
        assert.notEqual(n.image.id, query.id, 'the query image is left out');
        assert.ok(Math.abs(n.similarity - expected[i].similarity) < 1e-5, `rank ${i + 1}: ${n.similarity} vs ${expected[i].similarity}`);
        const own = expected.find((e) => e.name === n.image.name)!;
        assert.ok(Math.abs(n.similarity - own.similarity) < 1e-5, `${n.image.name}: ${n.similarity} vs ${own.similarity}`);
        assert.ok(
          Math.abs(n.tagSimilarity - tagCosine(DEMO, query.externalId, n.image.itemId)) < 1e-12,
          `tag similarity of ${n.image.name}`,
        );
        assert.equal(n.sameItem, false);
        assert.deepEqual(n.image.tags, DEMO.items.find((item) => item.id === n.image.itemId)!.tags);
      });
      const mean = got.neighbours.reduce((sum: number, n: any) => sum + n.tagSimilarity, 0) / 10;
      assert.ok(Math.abs(got.meanTagSimilarity - mean) < 1e-12);
    }
    const three = (await ok(NEIGHBOURS, { image: demoImageIds.get('fm-00007'), model: model.id, k: 3 })).neighbours;
    assert.equal(three.neighbours.length, 3);
    const byDefault = (await ok(NEIGHBOURS, { image: demoImageIds.get('fm-00007'), model: model.id })).neighbours;
    assert.equal(byDefault.neighbours.length, 8);
    assert.deepEqual(byDefault.neighbours.slice(0, 3), three.neighbours, 'a second query (served from memory) ranks the same');
  });

  test('unit vectors are read from their shards once per dataset and model, again once the cache holds more of the model', async () => {
    const cache = shardCache(platform.db.pool);
    const spaces = new EmbeddingSpaces(platform.datasets, cache);
    const dataset = await platform.datasets.get(demo.datasetId);
    const model = await platform.models.get(demo.modelIds[0]);
    const [first, concurrent] = await Promise.all([spaces.get(dataset, model), spaces.get(dataset, model)]);
    assert.equal(concurrent, first, 'concurrent lookups share one load');
    assert.equal(await spaces.get(dataset, model), first, 'a later lookup is served from memory');
    await cache.put(model.onnxHash, model.preprocessHash, [
      { imageHash: 'not-an-image-of-the-demo', vector: Float32Array.from({ length: model.dim }, () => 1) },
    ]);
    const reloaded = await spaces.get(dataset, model);
    assert.notEqual(reloaded, first, 'more vectors of the model in the cache: loaded again');
    assert.deepEqual(reloaded.imageIds, first.imageIds);
    assert.equal(await spaces.get(dataset, model), reloaded);
    spaces.forget(dataset.id);
    assert.notEqual(await spaces.get(dataset, model), reloaded, 'a forgotten dataset is loaded again');
    const tiny = new EmbeddingSpaces(platform.datasets, cache, 1024);
    assert.notEqual(await tiny.get(dataset, model), await tiny.get(dataset, model), 'a space over the byte bound is not kept');
  });

  test('images: dataset order, paging forwards and backwards, search by image id, item id or tag name', async () => {
    const start = await images({ d: demo.datasetId, first: 5 });
    assert.deepEqual(start.pageInfo, {
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: start.edges[0].cursor,
      endCursor: start.edges[4].cursor,
    });
    const page = await images({ d: demo.datasetId, first: 10, after: start.pageInfo.endCursor });
    assert.equal(page.totalCount, 200);
    assert.deepEqual(
      page.nodes.map((i: any) => i.name),
      DEMO.images.slice(5, 15).map((i) => i.id),
    );
    assert.deepEqual(
      page.nodes.map((i: any) => i.id),
      DEMO.images.slice(5, 15).map((i) => demoImageIds.get(i.id)),
    );
    assert.deepEqual(page.nodes[0].tags, DEMO.items.find((item) => item.id === page.nodes[0].itemId)!.tags);
    assert.deepEqual(page.pageInfo.hasPreviousPage, true);
    const back = await images({ d: demo.datasetId, last: 3, before: page.pageInfo.startCursor });
    assert.deepEqual(
      back.nodes.map((i: any) => i.name),
      DEMO.images.slice(2, 5).map((i) => i.id),
    );
    const end = await images({ d: demo.datasetId, last: 2 });
    assert.deepEqual(
      end.nodes.map((i: any) => i.name),
      DEMO.images.slice(198).map((i) => i.id),
    );
    assert.equal(end.pageInfo.hasNextPage, false);
    const matches = (search: string) =>
      DEMO.images.filter((image) => {
        const s = search.toLowerCase();
        const item = DEMO.items.find((i) => i.id === image.item)!;
        return (
          image.id.toLowerCase().includes(s) || item.id.toLowerCase().includes(s) || item.tags.some((t) => t.name.toLowerCase().includes(s))
        );
      });
    for (const search of ['FM-0001', 'trouser', 'ankle BOOT']) {
      const found = await images({ d: demo.datasetId, search, first: 1000 });
      const expected = matches(search);
      assert.ok(expected.length > 0, search);
      assert.equal(found.totalCount, expected.length, search);
      assert.deepEqual(
        found.nodes.map((i: any) => i.name),
        expected.map((i) => i.id),
        search,
      );
    }
    const trousers = await images({ d: demo.datasetId, search: 'trouser', first: matches('trouser').length - 2 });
    const last = await images({ d: demo.datasetId, search: 'trouser', first: 5, after: trousers.pageInfo.endCursor });
    assert.equal(last.nodes.length, 2);
    assert.equal(last.pageInfo.hasNextPage, false);
    for (const search of ['no such thing', '%', '_', 'fm_0', '\\'])
      assert.equal((await images({ d: demo.datasetId, search })).totalCount, 0, `${search} is taken literally`);
  });

  test('thumbnails: webp data: URLs no larger than size, never enlarged; null for an unreadable image', async () => {
    for (const [size, side] of [
      [16, 16],
      [128, 28],
    ]) {
      const [image] = (await images({ d: demo.datasetId, first: 1, size })).nodes;
      const match = /^data:image\/webp;base64,(.+)$/.exec(image.thumbnail);
      assert.ok(match, image.thumbnail?.slice(0, 40));
      const meta = await sharp(Buffer.from(match[1], 'base64')).metadata();
      assert.equal(meta.format, 'webp');
      assert.equal(Math.max(meta.width!, meta.height!), side);
    }
    const pairs = (await images({ d: pairsId, search: 'broken', size: 32 })).nodes;
    assert.deepEqual(
      pairs.map((i: any) => [i.name, i.thumbnail]),
      [['broken', null]],
    );
  });

  test('projection: an even sample, deterministic, centred, variance shares sorted, tags in the category', async () => {
    const variables = { d: demo.datasetId, m: demo.modelIds[0], c: 'Category', limit: 50 };
    const first = (await ok(PROJECTION, variables)).projection;
    assert.deepEqual((await ok(PROJECTION, variables)).projection, first, 'the same answer every time');
    assert.equal(first.method, 'PCA');
    assert.equal(first.total, 200);
    assert.equal(first.category, 'Category');
    assert.equal(first.points.length, 50);
    assert.deepEqual(
      first.points.map((p: any) => p.name),
      Array.from({ length: 50 }, (_, i) => DEMO.images[i * 4].id),
    );
    assert.equal(first.explainedVariance.length, 2);
    assert.ok(first.explainedVariance[0] >= first.explainedVariance[1]);
    for (const share of first.explainedVariance) assert.ok(share > 0 && share <= 1, `${share}`);
    for (const axis of ['x', 'y']) {
      const mean = first.points.reduce((sum: number, p: any) => sum + p[axis], 0) / 50;
      const spread = Math.max(...first.points.map((p: any) => Math.abs(p[axis])));
      assert.ok(Math.abs(mean) < 1e-6 * spread, `${axis} mean ${mean} (spread ${spread})`);
    }
    for (const p of first.points) {
      assert.equal(p.imageId, demoImageIds.get(p.name));
      const item = DEMO.items.find((i) => i.id === DEMO.images.find((image) => image.id === p.name)!.item)!;
      assert.deepEqual(
        p.tags,
        item.tags.filter((t) => t.category === 'Category').map((t) => t.name),
      );
    }
    const all = (await ok(PROJECTION, { d: demo.datasetId, m: demo.modelIds[1] })).projection;
    assert.equal(all.points.length, 200);
    assert.equal(all.category, null);
    assert.deepEqual(
      all.points[0].tags,
      DEMO.items[0].tags.map((t) => `${t.category}:${t.name}`),
    );
  });

  test('projection by UMAP: deterministic, no variance shares, and each point beside images of its own category', async () => {
    const variables = { d: demo.datasetId, m: demo.modelIds[0], c: 'Category', method: 'UMAP', limit: 200 };
    const umap = (await ok(PROJECTION, variables)).projection;
    assert.deepEqual((await ok(PROJECTION, variables)).projection, umap, 'the same answer every time');
    assert.equal(umap.method, 'UMAP');
    assert.deepEqual(umap.explainedVariance, []);
    assert.equal(umap.points.length, 200);
    const pca = (await ok(PROJECTION, { ...variables, method: 'PCA' })).projection;
    assert.deepEqual(
      umap.points.map((p: any) => p.name),
      pca.points.map((p: any) => p.name),
      'the same sample',
    );
    // The nearest point on the map shares the image's garment category far more often than chance (1 in 10).
    const agreement = (points: any[]) =>
      points.filter((p) => {
        const nearest = points
          .filter((q) => q !== p)
          .reduce((best, q) => ((q.x - p.x) ** 2 + (q.y - p.y) ** 2 < (best.x - p.x) ** 2 + (best.y - p.y) ** 2 ? q : best));
        return nearest.tags[0] === p.tags[0];
      }).length / points.length;
    assert.ok(agreement(umap.points) > 0.5, `UMAP neighbour agreement ${agreement(umap.points)} (PCA ${agreement(pca.points)})`);
  });

  test('every error has its code', async () => {
    const [model] = demo.modelIds;
    const image = demoImageIds.get('fm-00000');
    const cases: [string, Record<string, unknown>, string, RegExp][] = [
      [NEIGHBOURS, { image: 'nope', model }, 'NOT_FOUND', /image "nope" not found/],
      [NEIGHBOURS, { image, model: 'nope' }, 'NOT_FOUND', /model "nope" not found/],
      [NEIGHBOURS, { image, model, k: 0 }, 'BAD_USER_INPUT', /k must be an integer from 1 to 100/],
      [NEIGHBOURS, { image, model, k: 101 }, 'BAD_USER_INPUT', /k must be/],
      [PROJECTION, { d: 'nope', m: model }, 'NOT_FOUND', /dataset "nope" not found/],
      [PROJECTION, { d: demo.datasetId, m: 'nope' }, 'NOT_FOUND', /model "nope" not found/],
      [PROJECTION, { d: demo.datasetId, m: model, limit: 0 }, 'BAD_USER_INPUT', /limit must be an integer from 1 to 100000/],
      [PROJECTION, { d: demo.datasetId, m: model, limit: 100001 }, 'BAD_USER_INPUT', /limit must be/],
      [
        PROJECTION,
        { d: demo.datasetId, m: model, limit: 5001, method: 'UMAP' },
        'BAD_USER_INPUT',
        /limit must be an integer from 1 to 5000/,
      ],
      [
        PROJECTION,
        { d: demo.datasetId, m: model, c: 'Nope' },
        'BAD_USER_INPUT',
        /no tag category "Nope" \(it has: Category, Color, Garment, Sleeve\)/,
      ],
      [
        PROJECTION,
        { d: pairsId, m: tinyModelId },
        'NOT_EMBEDDED',
        /model "conv" has no embeddings of dataset "pairs" yet: run an evaluation with it first/,
      ],
      [IMAGES, { d: 'nope' }, 'NOT_FOUND', /dataset "nope" not found/],
      [IMAGES, { d: demo.datasetId, first: 1001 }, 'BAD_USER_INPUT', /first must be an integer from 0 to 1000/],
      [IMAGES, { d: demo.datasetId, last: -1 }, 'BAD_USER_INPUT', /last must be/],
      [
        IMAGES,
        { d: demo.datasetId, after: 'bm90IGEgY3Vyc29y' },
        'BAD_USER_INPUT',
        /after: "bm90IGEgY3Vyc29y" is not a cursor of this list/,
      ],
      [IMAGES, { d: demo.datasetId, first: 1, size: 15 }, 'BAD_USER_INPUT', /size must be an integer from 16 to 256/],
      [IMAGES, { d: demo.datasetId, first: 1, size: 257 }, 'BAD_USER_INPUT', /size must be/],
    ];
    for (const [query, variables, expected, message] of cases) {
      const [got, text] = await code(query, variables);
      assert.equal(got, expected, `${JSON.stringify(variables)}: ${text}`);
      assert.match(text, message);
    }
  });

  test('after an evaluation: failed images are left out, sameItem, and the model reports its images per second', async () => {
    const pairImages = await platform.db.prisma.image.findMany({ where: { datasetId: pairsId } });
    const id = (name: string) => pairImages.find((i) => i.externalId === name)!.id;
    const run = await platform.runs.start({ datasetId: pairsId, modelIds: [tinyModelId] });
    await platform.runs.drain();
    assert.equal((await platform.db.prisma.run.findUniqueOrThrow({ where: { id: run.id } })).status, 'succeeded');
    const got = (await ok(NEIGHBOURS, { image: id('p3-0'), model: tinyModelId, k: 100 })).neighbours;
    assert.equal(got.neighbours.length, 15, 'the 16 decodable images but the query');
    assert.ok(!got.neighbours.some((n: any) => n.image.name === 'broken' || n.image.name === 'p3-0'));
    const sibling = got.neighbours.find((n: any) => n.image.name === 'p3-1');
    assert.equal(sibling.sameItem, true);
    assert.ok(Math.abs(sibling.tagSimilarity - 1) < 1e-12);
    assert.equal(got.neighbours.filter((n: any) => n.sameItem).length, 1);
    const pairs = JSON.parse(readFileSync(join(dir, 'pairs', 'manifest.json'), 'utf8')) as DatasetManifest;
    for (const n of got.neighbours) assert.ok(Math.abs(n.tagSimilarity - tagCosine(pairs, 'item3', n.image.itemId)) < 1e-12);
    const [notEmbedded, message] = await code(NEIGHBOURS, { image: id('broken'), model: tinyModelId });
    assert.equal(notEmbedded, 'NOT_EMBEDDED', message);
    assert.equal((await ok(PROJECTION, { d: pairsId, m: tinyModelId })).projection.total, 16);
    const models = (
      await ok<{ models: { edges: { node: { id: string; metadata: { imagesPerSecond: number | null } } }[] } }>(
        '{ models { edges { node { id metadata { imagesPerSecond } } } } }',
        {},
      )
    ).models.edges.map((e) => e.node);
    for (const modelId of [...demo.modelIds, tinyModelId]) {
      const speed = models.find((m) => m.id === modelId)!.metadata.imagesPerSecond;
      assert.ok(speed !== null && speed > 0, `${modelId}: ${speed}`);
    }
    const row = await platform.db.prisma.model.findUniqueOrThrow({ where: { id: tinyModelId } });
    assert.equal(row.embeddedImages, 16, 'the broken image is not counted');
    const deleted = await gql(url, 'mutation ($id: ID!) { deleteDataset(id: $id) }', { id: pairsId }, 'test-admin-key-0123456789');
    assert.equal(deleted.errors, undefined, JSON.stringify(deleted.errors));
    assert.equal((await code(PROJECTION, { d: pairsId, m: tinyModelId }))[0], 'NOT_FOUND', 'a deleted dataset is gone from memory too');
    assert.equal((await code(NEIGHBOURS, { image: id('p3-0'), model: tinyModelId }))[0], 'NOT_FOUND');
  });
});

// Embedding cache reads and writes: EmbeddingCache (one statement per chunk on the pg pool) against the same work through Prisma's client.
//
// Usage: npm run bench -- cache [--vectors 5000] [--dim 1280] [--rounds 5]
// Writes `vectors` float16 vectors in batches of 32 (what one embed batch stores) and reads them back in one call
// (what scoring loads), both ways, alternating, in a fresh test database; prints CPU time of this process per call
// (the main thread pays it) and wall time, medians over the rounds.
import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '../test/support/testDatabase.js';
import { EmbeddingCache } from '../src/embedding/embeddingCache.js';
import { decodeFloat16, encodeFloat16 } from '../src/embedding/float16.js';
import { benchCli, loadLine, machineLine, median } from './benchCli.js';

const cli = benchCli('bench cache');
const { values } = cli.args({ options: { vectors: { type: 'string' }, dim: { type: 'string' }, rounds: { type: 'string' } } });
const count = cli.positiveInt('vectors', values.vectors, 5000);
const dim = cli.positiveInt('dim', values.dim, 1280);
const rounds = cli.positiveInt('rounds', values.rounds, 5);
const BATCH = 32;

console.log(`bench cache: ${count} vectors of ${dim} dimensions, written ${BATCH} at a time and read in one call, ${rounds} rounds`);
console.log(machineLine());
console.log(`start: ${loadLine()}\n`);
const db = await createTestDatabase();
const cache = new EmbeddingCache(db.pool);
const vectors = Array.from({ length: count }, (_, i) => Float32Array.from({ length: dim }, (_, j) => Math.sin(i * 7 + j)));

type Way = 'pool' | 'prisma';
const ways: Record<
  Way,
  {
    put: (model: string, hashes: string[], batch: Float32Array[]) => Promise<unknown>;
    get: (model: string, hashes: string[]) => Promise<number>;
  }
> = {
  pool: {
    put: (model, hashes, batch) =>
      cache.put(
        model,
        'p',
        batch.map((vector, k) => ({ imageHash: hashes[k], vector })),
      ),
    get: async (model, hashes) => (await cache.get(model, 'p', hashes)).size,
  },
  prisma: {
    put: (model, hashes, batch) =>
      db.prisma.embeddingCacheEntry.createMany({
        data: batch.map((vector, k) => ({
          modelHash: model,
          preprocessHash: 'p',
          imageHash: hashes[k],
          dim,
          vector: encodeFloat16(vector),
        })),
        skipDuplicates: true,
      }),
    get: async (model, hashes) => {
      const rows = await db.prisma.embeddingCacheEntry.findMany({
        where: { modelHash: model, preprocessHash: 'p', imageHash: { in: hashes } },
        select: { imageHash: true, vector: true },
      });
      return new Map(rows.map((row) => [row.imageHash, decodeFloat16(row.vector)])).size;
    },
  },
};

async function timed(work: () => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / 1000, wall: performance.now() - start };
}

const figures: Record<Way, { put: { cpu: number; wall: number }[]; get: { cpu: number; wall: number }[] }> = {
  pool: { put: [], get: [] },
  prisma: { put: [], get: [] },
};
try {
  for (let r = 0; r < rounds; r++) {
    for (const way of (r % 2 === 0 ? ['pool', 'prisma'] : ['prisma', 'pool']) as Way[]) {
      const model = randomUUID();
      const hashes = vectors.map((_, i) => `image-${i}`);
      const put = await timed(async () => {
        for (let i = 0; i < count; i += BATCH) await ways[way].put(model, hashes.slice(i, i + BATCH), vectors.slice(i, i + BATCH));
      });
      let found = 0;
      const get = await timed(async () => (found = await ways[way].get(model, hashes)));
      if (found !== count) cli.fail(`${way}: read ${found} of ${count} vectors back`);
      figures[way].put.push({ cpu: put.cpu / Math.ceil(count / BATCH), wall: put.wall / Math.ceil(count / BATCH) });
      figures[way].get.push(get);
    }
  }
} finally {
  await db.close();
}
const cell = (xs: { cpu: number; wall: number }[]) =>
  `${median(xs.map((x) => x.cpu))
    .toFixed(2)
    .padStart(9)} ${median(xs.map((x) => x.wall))
    .toFixed(2)
    .padStart(9)}`;
console.log(`${''.padEnd(44)} ${'CPU ms'.padStart(9)} ${'wall ms'.padStart(9)}`);
console.log(`${`write ${BATCH} vectors, EmbeddingCache (pg pool)`.padEnd(44)} ${cell(figures.pool.put)}`);
console.log(`${`write ${BATCH} vectors, Prisma createMany`.padEnd(44)} ${cell(figures.prisma.put)}`);
console.log(`${`read ${count} vectors, EmbeddingCache (pg pool)`.padEnd(44)} ${cell(figures.pool.get)}`);
console.log(`${`read ${count} vectors, Prisma findMany`.padEnd(44)} ${cell(figures.prisma.get)}`);
const ratio = (way: 'put' | 'get') => median(figures.prisma[way].map((x) => x.cpu)) / median(figures.pool[way].map((x) => x.cpu));
console.log(`\nCPU, Prisma / pool: writes ${ratio('put').toFixed(1)}x, reads ${ratio('get').toFixed(1)}x`);
console.log(`end: ${loadLine()}`);
console.log(`\nreproduce: npm run bench -- cache --vectors ${count} --dim ${dim} --rounds ${rounds}`);

// PostgreSQL restarted in the middle of a run: the platform survives the dropped connections and the run ends with a clean run's scores.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { startEmbeddedServer } from '../src/db/embeddedServer.js';
import { withDatabase } from '../src/db/serverDatabase.js';
import { retryTransient } from '../src/db/transientErrors.js';
import { writeDemoModels } from '../src/demo/demoModels.js';
import { startPlatform } from '../src/platform.js';
import { assertCompleteOnce, storedScores } from './support/runChecks.js';
import { writeToneDataset } from './support/toneDataset.js';
import { until } from './support/until.js';
import { forgetVectors, vectorCounts } from './support/vectorShards.js';

const IMAGES = 60;
const BATCH = 2;

test('PostgreSQL stopped and started again mid-run: the run resumes and succeeds with the scores of a clean run', {
  timeout: 300_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'corrembed-pg-restart-'));
  let server = await startEmbeddedServer(join(dir, 'pg'));
  const port = Number(new URL(server.url).port);
  const logs: string[] = [];
  const platform = await startPlatform(
    loadConfig({
      DATABASE_URL: withDatabase(server.url, 'corrembed'),
      PORT: '0',
      CORREMBED_DATA_DIR: dir,
      CORREMBED_WORKERS: '1',
      CORREMBED_BATCH_SIZE: String(BATCH),
      CORREMBED_LEASE_SECONDS: '5',
    }),
    (line) => logs.push(line),
  );
  // The test's own reads go through the platform's client, so they wait out the outage as the service does.
  const read = <T>(work: () => Promise<T>) => retryTransient(work, { what: 'test read' });
  const prisma = platform.db.prisma;
  try {
    const datasetId = (await platform.datasets.importDataset({ manifestPath: await writeToneDataset(join(dir, 'data'), IMAGES) })).id;
    const modelIds: string[] = [];
    for (const path of (await writeDemoModels(join(dir, 'models'))).slice(0, 2)) modelIds.push((await platform.models.register(path)).id);

    const run = await platform.runs.start({ datasetId, modelIds });
    const before = await until(
      async () => {
        const row = await prisma.run.findUniqueOrThrow({ where: { id: run.id } });
        return { ...row, progress: await platform.runs.progress(row) };
      },
      (r) => r.progress.done >= 20,
      5,
    );
    assert.equal(before.status, 'running');
    await server.stop(); // fast shutdown: every connection is terminated (57P01), then nothing listens on the port
    const down = logs.length;
    // Up again once the run's work has run into the outage.
    await until(
      async () => logs.slice(down).join('\n'),
      (text) => text.includes(`run ${run.id}`),
    );
    server = await startEmbeddedServer(join(dir, 'pg'), () => undefined, { port });

    const resumed = await until(
      () => read(() => prisma.run.findUniqueOrThrow({ where: { id: run.id } })),
      (r) => !['queued', 'running'].includes(r.status),
    );
    assert.equal(resumed.status, 'succeeded', `${resumed.error}\n${logs.join('\n')}`);
    const batches = 2 * (IMAGES / BATCH + 1);
    await assertCompleteOnce(prisma, run.id, batches);
    const claims = await prisma.runBatch.aggregate({ where: { runId: run.id }, _max: { attempts: true } });
    assert.ok(claims._max.attempts! <= 2, "an outage does not burn a batch's tries");
    assert.equal((await vectorCounts(platform.db.pool)).vectors, IMAGES * 2, 'one vector per image and model');
    // The run-events listener is back on the restarted server.
    await until(
      () => prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query ILIKE 'LISTEN%'`,
      (rows) => rows[0].n > 0,
    );

    // The reference: the same evaluation from an empty cache, with the database up throughout.
    await forgetVectors(platform.db.pool);
    const clean = await platform.runs.start({ datasetId, modelIds });
    await until(
      () => prisma.run.findUniqueOrThrow({ where: { id: clean.id } }),
      (r) => !['queued', 'running'].includes(r.status),
    );
    await assertCompleteOnce(prisma, clean.id, batches);
    assert.deepEqual(await storedScores(prisma, run.id), await storedScores(prisma, clean.id));
  } finally {
    await platform.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

// A run survives `kill -9` of the server, with either executor: the next start resumes it and ends with a clean run's scores.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { dropDatabase } from '../src/db/serverDatabase.js';
import { uniqueTestDatabaseUrl } from './support/testDatabase.js';
import { writeDemoModels } from '../src/demo/demoModels.js';
import { DEMO_MANIFEST } from '../src/demo/seedDemo.js';
import { handleAggregate } from '../src/serverless/aggregateFunction.js';
import { handleEmbed } from '../src/serverless/embedFunction.js';
import { closeFunctionRuntime } from '../src/serverless/functionRuntime.js';
import { startInvokeHost } from '../src/executors/invokeHost.js';
import { gql } from './support/platformClient.js';

const KEY = 'resume-test-key-0123456789';
// The in-process handlers (and the servers, which inherit the environment) read the demo and the temporary model folders.
process.env.CORREMBED_DATA_ROOTS = `${dirname(DEMO_MANIFEST)},${tmpdir()}`;
/** The API of the server running now (each start picks a free port). */
let API = '';

interface RunView {
  status: string;
  progress: { done: number; total: number };
  evaluations: { model: { name: string }; status: string; score: number | null }[];
}

function serve(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(process.cwd(), 'dist/src/cli/corrembed.js'), 'serve'], { env });
  let text = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      text += d;
      if (!text.includes('Ready.')) return;
      API = /GraphQL API: +(\S+)/.exec(text)![1];
      resolve(child);
    });
    child.stderr!.on('data', (d) => (text += d));
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${text}`)));
  });
}

async function runView(id: string): Promise<RunView> {
  const result = await gql<{ run: RunView }>(
    API,
    'query ($id: ID!) { run(id: $id) { status progress { done total } evaluations { model { name } status score } } }',
    { id },
  );
  assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  return result.data!.run;
}

async function until(id: string, done: (run: RunView) => boolean): Promise<RunView> {
  for (;;) {
    const run = await runView(id);
    if (done(run)) return run;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Scores of the clean local run, the reference for the Lambda variant. */
let cleanScores: [string, number | null][] | null = null;

/**
 * Starts a 2-model evaluation on the demo data, kills the server with SIGKILL mid-run, restarts it and waits for the
 * run to end; then empties the cache and runs the same evaluation cleanly on the last server. Returns both runs.
 */
async function interruptedAndCleanRuns(executorEnv: NodeJS.ProcessEnv, databaseUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'corrembed-resume-'));
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: '0',
    CORREMBED_ADMIN_KEY: KEY,
    CORREMBED_BATCH_SIZE: '1',
    CORREMBED_WORKERS: '1',
    CORREMBED_DATA_DIR: dir,
    // The killed server's leases are taken over two seconds later.
    CORREMBED_LEASE_SECONDS: '2',
    // The test polls the run every 50 ms, faster than the default anonymous rate limit allows.
    CORREMBED_ANONYMOUS_RATE_LIMIT_PER_MINUTE: '0',
    ...executorEnv,
  };
  let child = await serve(env);
  try {
    const dataset = await gql<{ importDataset: { id: string } }>(
      API,
      'mutation ($p: String!) { importDataset(input: { manifestPath: $p }) { id } }',
      { p: DEMO_MANIFEST },
      KEY,
    );
    const modelIds: string[] = [];
    for (const path of (await writeDemoModels(join(dir, 'models'))).slice(0, 2)) {
      modelIds.push(
        (
          await gql<{ registerModel: { id: string } }>(
            API,
            'mutation ($p: String!) { registerModel(input: { manifestPath: $p }) { id } }',
            { p: path },
            KEY,
          )
        ).data!.registerModel.id,
      );
    }
    const start = 'mutation ($i: StartEvaluationInput!) { startEvaluation(input: $i) { id } }';
    const input = { datasetId: dataset.data!.importDataset.id, modelIds };
    const runId = (await gql<{ startEvaluation: { id: string } }>(API, start, { i: input }, KEY)).data!.startEvaluation.id;
    const before = await until(runId, (run) => run.progress.done >= 60);
    assert.equal(before.status, 'RUNNING');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    child = await serve(env);
    const resumed = await until(runId, (run) => !['QUEUED', 'RUNNING'].includes(run.status));
    // The reference recomputes every embedding: the cache the interrupted run filled is emptied first.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query('DELETE FROM "EmbeddingShard"');
    const batches = await client.query<{ status: string; n: number }>(
      'SELECT status::text, count(*)::int AS n FROM "RunBatch" WHERE "runId" = $1 GROUP BY status',
      [runId],
    );
    await client.end();
    const clean = (await gql<{ startEvaluation: { id: string } }>(API, start, { i: input }, KEY)).data!.startEvaluation.id;
    const reference = await until(clean, (run) => run.status === 'SUCCEEDED');
    return { resumed, reference, batches: batches.rows };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

function scoresOf(run: RunView): [string, number | null][] {
  return run.evaluations.map((e) => [e.model.name, e.score]);
}

test('kill -9 in the middle of a run: the restarted server finishes it with the same scores as a clean run', async () => {
  const databaseUrl = uniqueTestDatabaseUrl();
  try {
    const { resumed, reference, batches } = await interruptedAndCleanRuns({}, databaseUrl);
    assert.equal(resumed.status, 'SUCCEEDED');
    assert.deepEqual(resumed.progress, { done: 400, total: 400 });
    assert.deepEqual(batches, [{ status: 'done', n: 402 }], 'every batch done once: 200 images x 2 models, and 2 scorings');
    assert.deepEqual(scoresOf(resumed), scoresOf(reference));
    cleanScores = scoresOf(reference);
  } finally {
    await dropDatabase(databaseUrl);
  }
});

test('the same through the Lambda executor with faults injected: the resumed run scores exactly as the local executor', async () => {
  const databaseUrl = uniqueTestDatabaseUrl();
  // The functions run in this process, on the server's database, as function containers would.
  process.env.DATABASE_URL = databaseUrl;
  const host = await startInvokeHost({
    functions: { embed: handleEmbed, aggregate: handleAggregate },
    fault: (_name, n) => (n % 11 === 1 ? 'throttle' : n % 11 === 4 ? 'error' : n % 11 === 7 ? 'duplicate' : n === 9 ? 'timeout' : null),
    timeoutDelayMs: 4000,
  });
  try {
    const { resumed, reference } = await interruptedAndCleanRuns(
      {
        CORREMBED_EXECUTOR: 'lambda',
        CORREMBED_EMBED_FUNCTION: 'embed',
        CORREMBED_AGGREGATE_FUNCTION: 'aggregate',
        CORREMBED_LAMBDA_ENDPOINT: host.endpoint,
        CORREMBED_LAMBDA_CONCURRENCY: '4',
        CORREMBED_AGGREGATE_SHARDS: '4',
        CORREMBED_LAMBDA_TIMEOUT_MS: '2000',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_REGION: 'us-east-1',
      },
      databaseUrl,
    );
    assert.equal(resumed.status, 'SUCCEEDED');
    assert.deepEqual(resumed.progress, { done: 400, total: 400 });
    assert.ok(host.faults.throttle > 0 && host.faults.error > 0 && host.faults.duplicate > 0 && host.faults.timeout > 0);
    assert.ok((host.invocations.get('aggregate') ?? 0) >= 8, 'both evaluations were scored through aggregate shards');
    assert.deepEqual(scoresOf(reference), scoresOf(resumed));
    if (cleanScores) assert.deepEqual(scoresOf(resumed), cleanScores, 'the Lambda executor scores as the local one');
  } finally {
    await host.close();
    await closeFunctionRuntime();
    await dropDatabase(databaseUrl);
  }
});

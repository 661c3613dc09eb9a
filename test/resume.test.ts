// A run survives `kill -9` of the server: the next start resumes it and it ends with the scores of a clean run.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { dropDatabase } from '../src/db/serverDatabase.js';
import { uniqueTestDatabaseUrl } from '../src/db/testDatabase.js';
import { writeDemoModels } from '../src/demo/demoModels.js';
import { DEMO_MANIFEST } from '../src/demo/seedDemo.js';
import { gql } from './support/platformClient.js';

const KEY = 'resume-test-key-0123456789';
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
  const result = await gql<{ run: RunView }>(API, 'query ($id: ID!) { run(id: $id) { status progress { done total } evaluations { model { name } status score } } }', { id });
  return result.data!.run;
}

async function until(id: string, done: (run: RunView) => boolean): Promise<RunView> {
  for (;;) {
    const run = await runView(id);
    if (done(run)) return run;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('kill -9 in the middle of a run: the restarted server finishes it with the same scores as a clean run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'corrembed-resume-'));
  const databaseUrl = uniqueTestDatabaseUrl();
  const env = { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', CORREMBED_ADMIN_KEY: KEY, CORREMBED_BATCH_SIZE: '1', CORREMBED_WORKERS: '1', CORREMBED_DATA_DIR: dir };
  let child = await serve(env);
  try {
    const dataset = await gql<{ importDataset: { id: string } }>(API, 'mutation ($p: String!) { importDataset(input: { manifestPath: $p }) { id } }', { p: DEMO_MANIFEST }, KEY);
    const modelIds: string[] = [];
    for (const path of (await writeDemoModels(join(dir, 'models'))).slice(0, 2)) {
      modelIds.push((await gql<{ registerModel: { id: string } }>(API, 'mutation ($p: String!) { registerModel(input: { manifestPath: $p }) { id } }', { p: path }, KEY)).data!.registerModel.id);
    }
    const start = 'mutation ($i: StartEvaluationInput!) { startEvaluation(input: $i) { id } }';
    const input = { datasetId: dataset.data!.importDataset.id, modelIds };
    const runId = (await gql<{ startEvaluation: { id: string } }>(API, start, { i: input }, KEY)).data!.startEvaluation.id;
    const before = await until(runId, (run) => run.progress.done >= 60);
    assert.equal(before.status, 'running');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));

    child = await serve(env);
    const resumed = await until(runId, (run) => !['queued', 'running'].includes(run.status));
    assert.equal(resumed.status, 'succeeded');
    assert.deepEqual(resumed.progress, { done: 400, total: 400 });
    // The reference recomputes every embedding: the cache the interrupted run filled is emptied first.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query('DELETE FROM "EmbeddingCacheEntry"');
    await client.end();
    const clean = (await gql<{ startEvaluation: { id: string } }>(API, start, { i: input }, KEY)).data!.startEvaluation.id;
    const reference = await until(clean, (run) => run.status === 'succeeded');
    assert.deepEqual(resumed.evaluations.map((e) => [e.model.name, e.score]), reference.evaluations.map((e) => [e.model.name, e.score]));
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await dropDatabase(databaseUrl);
    rmSync(dir, { recursive: true, force: true });
  }
});

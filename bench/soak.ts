// Soak test: a real server (child process) under a steady mix of evaluations and GraphQL queries for a long time; memory and errors.
//
// Usage: npm run bench:soak [-- --minutes 30]
// The server is `corrembed serve --demo` on an embedded PostgreSQL in a temporary folder (or, with DATABASE_URL, on a
// fresh database there, dropped at the end). It reports its own memory every 5 s (bench/soakMemory.ts, preloaded).
// Evaluations run one after another with varying metric options and model subsets; every second one first evicts its
// first model's cache entries, so inference runs too. Queries (leaderboard, runs, accuracyFit) run alongside.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedServer, type EmbeddedServer } from '../src/db/embeddedServer.js';
import { dropDatabase, withDatabase } from '../src/db/serverDatabase.js';
import { gql } from '../test/support/platformClient.js';
import { benchCli } from './benchCli.js';
import { formatSeries, SERIES_HEADER, SOAK_MEMORY_PREFIX, summarise, type MemorySample } from './soakStats.js';

const cli = benchCli('bench:soak');
// Annotated, so the compiler knows code after fail() is unreachable.
const fail: (message: string) => never = cli.fail;
const { values: args } = cli.args({ options: { minutes: { type: 'string' } } });
const minutes = cli.positiveInt('minutes', args.minutes, 30);

const OPTION_SETS: Record<string, unknown>[] = [
  {},
  { correlation: 'spearman' },
  { includeSelf: false },
  { representative: 'mean', bootstrap: false },
  { baselines: true },
  { roundSimilarity: 3, retrieval: { k: [1, 10] } },
  { tagWeighting: 'binary', bootstrap: { resamples: 2000, seed: 4 } },
];
const QUERIES: Record<string, string> = {
  leaderboard: 'query ($d: ID!) { leaderboard(datasetId: $d) { edges { node { rank score ci95 { low high } model { name } } } } }',
  runs: 'query ($d: ID!) { runs(datasetId: $d, first: 20) { edges { node { id status progress { done total } evaluations { status score } } } } }',
  accuracyFit:
    'query ($d: ID!) { accuracyFit(datasetId: $d) { reason models { score residual } categories { category models { rank } } } }',
};
const QUERY_PAUSE_MS = 100;
const POLL_MS = 250;

const key = process.env.CORREMBED_ADMIN_KEY ?? `soak-${randomBytes(12).toString('hex')}`;
const samples: MemorySample[] = [];
const errors = new Map<string, number>();
const queryCounts: Record<string, number> = Object.fromEntries(Object.keys(QUERIES).map((k) => [k, 0]));
const evaluations = { succeeded: 0, failed: 0, evicted: 0 };
/** Set once the server is ready: the load, the clock and the memory samples start then (start-up is not measured). */
let began = 0;
let deadline = 0;
const elapsed = (): number => (Date.now() - began) / 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recordError(where: string, message: string): void {
  const label = `${where}: ${message.slice(0, 160)}`;
  errors.set(label, (errors.get(label) ?? 0) + 1);
}

/** A GraphQL call whose transport or GraphQL errors are counted; null on error. */
async function call<T>(where: string, api: string, query: string, variables: Record<string, unknown>, auth?: string): Promise<T | null> {
  try {
    const response = await gql<T>(api, query, variables, auth);
    if (response.errors?.length) {
      recordError(where, response.errors[0].message);
      return null;
    }
    return response.data ?? null;
  } catch (error) {
    recordError(where, (error as Error).message);
    return null;
  }
}

/** Starts the server; resolves with its API URL and the demo dataset id once it says Ready. */
function startServer(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; api: string; datasetId: string }> {
  const sampler = fileURLToPath(new URL('./soakMemory.js', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', sampler, fileURLToPath(new URL('../src/cli/corrembed.js', import.meta.url)), 'serve', '--demo'],
    { env },
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk;
    const lines = err.split('\n');
    err = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith(SOAK_MEMORY_PREFIX)) {
        if (began === 0) continue;
        const m = JSON.parse(line.slice(SOAK_MEMORY_PREFIX.length)) as { rss: number; heapUsed: number };
        samples.push({ t: elapsed(), rss: m.rss, heapUsed: m.heapUsed });
      } else if (/error|fail/i.test(line)) recordError('server log', line.replace(/^\[corrembed\] /, ''));
    }
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      if (!out.includes('Ready.')) return;
      resolve({ child, api: /GraphQL API: +(\S+)/.exec(out)![1], datasetId: /Demo dataset (\S+),/.exec(out)![1] });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before it was ready:\n${out}${err}`)));
  });
}

async function evaluationLoop(api: string, datasetId: string, modelIds: string[], db: pg.Client): Promise<void> {
  const subsets = [modelIds, [modelIds[0]], modelIds.slice(1), [modelIds[2], modelIds[0]]];
  for (let n = 0; Date.now() < deadline; n++) {
    const models = subsets[n % subsets.length];
    if (n % 2 === 1) {
      await db.query('DELETE FROM "EmbeddingShard" WHERE "modelHash" = (SELECT "onnxHash" FROM "Model" WHERE id = $1)', [models[0]]);
      evaluations.evicted++;
    }
    // The option sets are in the engine's options.json format.
    const input = { datasetId, modelIds: models, optionsJson: OPTION_SETS[n % OPTION_SETS.length] };
    const started = await call<{ startEvaluation: { id: string } }>(
      'startEvaluation',
      api,
      'mutation ($i: StartEvaluationInput!) { startEvaluation(input: $i) { id } }',
      { i: input },
      key,
    );
    if (!started) {
      await sleep(1000);
      continue;
    }
    for (;;) {
      await sleep(POLL_MS);
      const view = await call<{ run: { status: string; error: string | null } }>(
        'run',
        api,
        'query ($id: ID!) { run(id: $id) { status error } }',
        { id: started.startEvaluation.id },
      );
      const status = view?.run.status;
      if (status === 'SUCCEEDED') evaluations.succeeded++;
      if (status === 'FAILED' || status === 'CANCELLED') {
        evaluations.failed++;
        recordError('evaluation', `${status}: ${view?.run.error ?? ''}`);
      }
      if (status && !['QUEUED', 'RUNNING'].includes(status)) break;
    }
  }
}

async function queryLoop(api: string, datasetId: string): Promise<void> {
  const kinds = Object.keys(QUERIES);
  for (let n = 0; Date.now() < deadline; n++) {
    const kind = kinds[n % kinds.length];
    if (await call(kind, api, QUERIES[kind], { d: datasetId })) queryCounts[kind]++;
    await sleep(QUERY_PAUSE_MS);
  }
}

function progressLine(): string {
  const last = samples[samples.length - 1];
  const mb = (v: number | undefined) => (v === undefined ? '?' : (v / 1024 / 1024).toFixed(1));
  const queries = Object.values(queryCounts).reduce((a, b) => a + b, 0);
  const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
  return `[soak ${(elapsed() / 60).toFixed(1)} min] rss ${mb(last?.rss)} MB, heap ${mb(last?.heapUsed)} MB, evaluations ${evaluations.succeeded}, queries ${queries}, errors ${errorCount}`;
}

function report(): void {
  const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
  const queries = Object.values(queryCounts).reduce((a, b) => a + b, 0);
  console.log(
    `\nSoak: ${(elapsed() / 60).toFixed(1)} min against \`corrembed serve --demo\` (${samples.length} memory samples of the server process, from the end of its start-up)\n`,
  );
  if (samples.length >= 2) {
    console.log(SERIES_HEADER);
    console.log(formatSeries('RSS', summarise(samples, 'rss')));
    console.log(formatSeries('heap used', summarise(samples, 'heapUsed')));
    const secondHalf = samples.filter((s) => s.t >= samples[samples.length - 1].t / 2);
    if (secondHalf.length >= 2) console.log(formatSeries('RSS, second half', summarise(secondHalf, 'rss')));
  }
  console.log(
    `\nevaluations: ${evaluations.succeeded} succeeded, ${evaluations.failed} failed (${evaluations.evicted} after evicting a model's cache entries)`,
  );
  console.log(
    `queries:     ${queries} (${Object.entries(queryCounts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})`,
  );
  console.log(`errors:      ${errorCount}`);
  for (const [label, count] of [...errors].slice(0, 10)) console.log(`  ${count} x ${label}`);
  console.log(`\nreproduce:   npm run bench:soak -- --minutes ${minutes}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'corrembed-soak-'));
  let embedded: EmbeddedServer | null = null;
  const external = process.env.DATABASE_URL;
  const databaseUrl = external
    ? withDatabase(external, `corrembed_soak_${randomBytes(6).toString('hex')}`)
    : withDatabase((embedded = await startEmbeddedServer(join(dir, 'pg'))).url, 'corrembed');
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  const db = new pg.Client({ connectionString: databaseUrl });
  db.on('error', (error) => recordError('soak database client', error.message));
  try {
    server = await startServer({ ...process.env, DATABASE_URL: databaseUrl, PORT: '0', CORREMBED_ADMIN_KEY: key, CORREMBED_DATA_DIR: dir });
    await db.connect();
    began = Date.now();
    deadline = began + minutes * 60_000;
    const listed = await call<{ models: { edges: { node: { id: string } }[] } }>(
      'models',
      server.api,
      '{ models { edges { node { id } } } }',
      {},
    );
    const models = listed && { models: listed.models.edges.map((edge) => edge.node) };
    if (!models || models.models.length < 3) fail('the demo models are missing');
    const ticker = setInterval(() => console.error(progressLine()), 60_000);
    await Promise.all([
      evaluationLoop(
        server.api,
        server.datasetId,
        models.models.map((m) => m.id),
        db,
      ),
      queryLoop(server.api, server.datasetId),
    ]);
    clearInterval(ticker);
    report();
  } finally {
    await db.end().catch(() => undefined);
    if (server) {
      const exited = new Promise((resolve) => server!.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      await exited;
    }
    if (embedded) await embedded.stop();
    if (external) await dropDatabase(databaseUrl);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => fail(error.stack ?? error.message));

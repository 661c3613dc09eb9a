// API load: the leaderboard query at a fixed rate (autocannon) and runCompleted delivery to many graphql-ws subscribers, against a real `corrembed serve`.
//
// Usage: npm run bench -- api [--rate 500 --duration 60 --connections 64 --subscribers 1000 --ws-images 20000 --port 4517]
// The server is a child process (`corrembed serve`, local executor, queries public as by default) on a fresh database.
// It must run without rate limits (or with limits above --rate). Seeding: the Fashion-MNIST demo dataset, four tiny
// models, two evaluations of all four (the leaderboard picks each model's latest). Leaderboard: autocannon's
// programmatic API at `overallRate`, every answer compared with the first one (a differing body counts as a
// mismatch). Subscriptions: N graphql-ws clients, one WebSocket each, subscribe to runCompleted of one run over
// --ws-images tiny images; each delay is receipt time minus the run's finishedAt in PostgreSQL (same machine clock).
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { writeTinyModel } from '../test/support/tinyModels.js';
import { DATA_DIR, REPO_ROOT } from './benchData.js';
import { benchCli, loadLine, machineLine } from './benchCli.js';
import { ensureFanoutDataset } from './fanoutImages.js';
import { startBenchServer, type BenchServer } from './apiServer.js';

const cli = benchCli('bench api');
const { values } = cli.args({
  options: {
    rate: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    waves: { type: 'string' },
    subscribers: { type: 'string' },
    'ws-images': { type: 'string' },
    port: { type: 'string' },
  },
});
const rate = cli.positiveInt('rate', values.rate, 500);
const duration = cli.positiveInt('duration', values.duration, 60);
const connections = cli.positiveInt('connections', values.connections, 64);
// autocannon paces each connection per second (it fires its quota at once when its one-second tick starts), so one
// instance sends the whole rate as one burst a second; `waves` instances, started 1/waves s apart, spread it out.
const waves = cli.positiveInt('waves', values.waves, 10);
const subscribers = cli.positiveInt('subscribers', values.subscribers, 1000);
const wsImages = cli.positiveInt('ws-images', values['ws-images'], 20_000);
const port = cli.positiveInt('port', values.port, 4517);
const command = `npm run bench -- api --rate ${rate} --duration ${duration} --connections ${connections} --waves ${waves} --subscribers ${subscribers} --ws-images ${wsImages}`;

const LEADERBOARD =
  'query ($id: ID!) { leaderboard(datasetId: $id) { edges { node { rank score ci95 { low high } run { id } model { name metadata { family imagenetAcc1 params gflops } } } } } }';
const CONNECTING_AT_ONCE = 50;
const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function waitForRun(server: BenchServer, runId: string): Promise<void> {
  for (;;) {
    const { run } = await server.query<{ run: { status: string; error: string | null } }>(
      'query ($id: ID!) { run(id: $id) { status error } }',
      { id: runId },
    );
    if (run.status === 'SUCCEEDED') return;
    if (run.status === 'FAILED' || run.status === 'CANCELLED') cli.fail(`seeding run ${run.status}: ${run.error}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function seedLeaderboard(server: BenchServer): Promise<string> {
  const { importDataset } = await server.query<{ importDataset: { id: string } }>(
    'mutation ($p: String!) { importDataset(input: { manifestPath: $p }) { id } }',
    { p: join(REPO_ROOT, 'demo', 'fashion-mnist', 'manifest.json') },
  );
  const modelIds: string[] = [];
  for (let seed = 1; seed <= 4; seed++) {
    const written = await writeTinyModel(join(DATA_DIR, 'models'), 'conv', { name: `api-tiny-${seed}`, seed });
    const { registerModel } = await server.query<{ registerModel: { id: string } }>(
      'mutation ($p: String!) { registerModel(input: { manifestPath: $p }) { id } }',
      { p: written.manifest },
    );
    modelIds.push(registerModel.id);
  }
  for (let evaluation = 0; evaluation < 2; evaluation++) {
    const { startEvaluation } = await server.query<{ startEvaluation: { id: string } }>(
      'mutation ($d: ID!, $m: [ID!]!) { startEvaluation(input: { datasetId: $d, modelIds: $m }) { id } }',
      { d: importDataset.id, m: modelIds },
    );
    await waitForRun(server, startEvaluation.id);
  }
  return importDataset.id;
}

async function leaderboardLoad(server: BenchServer, datasetId: string) {
  const body = JSON.stringify({ query: LEADERBOARD, variables: { id: datasetId } });
  const expected = await (
    await fetch(server.endpoint.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  ).text();
  const entries = (JSON.parse(expected) as { data?: { leaderboard: { edges: unknown[] } } }).data?.leaderboard.edges.length;
  if (entries !== 4) cli.fail(`the leaderboard answered ${expected.slice(0, 200)}`);
  const cpu = server.cpuSeconds();
  // Every response's own time, from all instances: percentiles of what the clients saw, nothing synthesised.
  const latencies: number[] = [];
  const instances = Array.from(
    { length: waves },
    (_, wave) =>
      new Promise<autocannon.Result>((resolve, reject) =>
        setTimeout(
          () => {
            // Without a callback autocannon returns its run tracker, an EventEmitter that is also a promise of the result.
            const instance = autocannon({
              url: server.endpoint.url,
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body,
              connections: Math.max(1, Math.round(connections / waves)),
              overallRate: Math.round(rate / waves),
              duration,
              expectBody: expected,
            }) as unknown as Promise<autocannon.Result> & NodeJS.EventEmitter;
            instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) =>
              latencies.push(responseTime),
            );
            instance.then(resolve, reject);
          },
          (wave * 1000) / waves,
        ),
      ),
  );
  const results = await Promise.all(instances);
  const total = (pick: (r: autocannon.Result) => number) => results.reduce((sum, r) => sum + pick(r), 0);
  latencies.sort((a, b) => a - b);
  return {
    requests: total((r) => r.requests.total),
    perSecond: total((r) => r.requests.average),
    latency: {
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1],
      mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    },
    failures: {
      errors: total((r) => r.errors),
      timeouts: total((r) => r.timeouts),
      non2xx: total((r) => r.non2xx),
      mismatches: total((r) => r.mismatches),
    },
    serverCpuMs: ((server.cpuSeconds() - cpu) * 1000) / total((r) => r.requests.total),
  };
}

/** Subscribes `count` clients to runCompleted of a fresh run; resolves with each client's receipt time (ms since the epoch) and the run's finishedAt. */
async function subscriptionDelays(server: BenchServer): Promise<{ received: number[]; finishedAt: number; connectMs: number }> {
  const manifestPath = await ensureFanoutDataset(join(DATA_DIR, `tiny-${wsImages}`), wsImages);
  const { importDataset } = await server.query<{ importDataset: { id: string } }>(
    'mutation ($p: String!) { importDataset(input: { manifestPath: $p }) { id } }',
    { p: manifestPath },
  );
  const written = await writeTinyModel(join(DATA_DIR, 'models'), 'conv', { name: `api-ws-${Date.now()}`, seed: Date.now() % 1000 });
  const { registerModel } = await server.query<{ registerModel: { id: string } }>(
    'mutation ($p: String!) { registerModel(input: { manifestPath: $p }) { id } }',
    { p: written.manifest },
  );
  const { startEvaluation } = await server.query<{ startEvaluation: { id: string } }>(
    'mutation ($d: ID!, $m: [ID!]!) { startEvaluation(input: { datasetId: $d, modelIds: $m }) { id } }',
    { d: importDataset.id, m: [registerModel.id] },
  );
  const runId = startEvaluation.id;
  const received: number[] = [];
  const clients: Client[] = [];
  const done: Promise<void>[] = [];
  const connectStart = Date.now();
  const opened: Promise<void>[] = [];
  for (let i = 0; i < subscribers; i++) {
    // Connections open CONNECTING_AT_ONCE at a time.
    if (opened.length === CONNECTING_AT_ONCE) await Promise.all(opened.splice(0));
    let connected!: () => void;
    const open = new Promise<void>((resolve) => (connected = resolve));
    const client = createClient({
      url: server.endpoint.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      on: { connected },
    });
    clients.push(client);
    done.push(
      new Promise<void>((resolve, reject) => {
        client.subscribe(
          { query: 'subscription ($id: ID!) { runCompleted(runId: $id) { id status } }', variables: { id: runId } },
          {
            next: () => received.push(Date.now()),
            error: (error) => reject(new Error(`subscriber ${i}: ${error instanceof Error ? error.message : JSON.stringify(error)}`)),
            complete: resolve,
          },
        );
      }),
    );
    opened.push(open);
  }
  await Promise.all(opened);
  const connectMs = Date.now() - connectStart;
  const { run } = await server.query<{ run: { status: string } }>('query ($id: ID!) { run(id: $id) { status } }', { id: runId });
  if (run.status !== 'RUNNING' && run.status !== 'QUEUED')
    cli.fail(`the run ended (${run.status}) before all ${subscribers} subscribers were connected; raise --ws-images`);
  console.error(`${subscribers} subscribers connected in ${connectMs} ms; waiting for run ${runId}`);
  await Promise.all(done);
  await Promise.all(clients.map((c) => c.dispose()));
  const row = await server.db.prisma.run.findUniqueOrThrow({ where: { id: runId } });
  return { received, finishedAt: row.finishedAt!.getTime(), connectMs };
}

console.log(
  `bench api: leaderboard at ${rate} requests/s for ${duration} s over ${connections} connections; ${subscribers} runCompleted subscribers`,
);
console.log(machineLine());
console.log(`start: ${loadLine()}\n`);
const server = await startBenchServer(port);
try {
  const datasetId = await seedLeaderboard(server);
  const { requests, perSecond, latency, failures, serverCpuMs } = await leaderboardLoad(server, datasetId);
  console.log(
    `leaderboard (4 models, 8 evaluations): ${requests.toLocaleString('en-US')} requests, ${perSecond.toFixed(0)}/s on average, in ${waves} waves a second`,
  );
  const ms = (value: number) => value.toFixed(1);
  console.log(
    `  latency ms: p50 ${ms(latency.p50)}, p90 ${ms(latency.p90)}, p99 ${ms(latency.p99)}, max ${ms(latency.max)}, mean ${ms(latency.mean)}`,
  );
  console.log(
    `  server CPU per request: ${serverCpuMs.toFixed(2)} ms (every thread of the server process; ${((serverCpuMs * rate) / 1000).toFixed(2)} cores at ${rate}/s)`,
  );
  console.log(
    `  errors ${failures.errors}, timeouts ${failures.timeouts}, non-2xx ${failures.non2xx}, body mismatches ${failures.mismatches}`,
  );
  const leaderboardMet = latency.p99 <= 50 && failures.errors + failures.timeouts + failures.non2xx + failures.mismatches === 0;
  console.log(`  target p99 <= 50 ms, no errors: ${leaderboardMet ? 'MET' : 'MISSED'}  (${loadLine()})\n`);

  const ws = await subscriptionDelays(server);
  const delays = ws.received.map((t) => t - ws.finishedAt).sort((a, b) => a - b);
  console.log(`runCompleted: ${delays.length} of ${subscribers} subscribers received it (connected in ${ws.connectMs} ms)`);
  console.log(
    `  delay after the run's finishedAt, ms: min ${delays[0]}, p50 ${percentile(delays, 50)}, p99 ${percentile(delays, 99)}, max ${delays[delays.length - 1]}`,
  );
  console.log(`  target all within 1000 ms: ${delays.length === subscribers && delays[delays.length - 1] <= 1000 ? 'MET' : 'MISSED'}`);
  console.log(`end: ${loadLine()}`);
  console.log(`\nreproduce: ${command}`);
} finally {
  await server.close();
}

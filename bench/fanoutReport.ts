// bench/fanout's report: phases, coordinators, the per-image PostgreSQL figures, CPU by consumer, the bottleneck, the calibration.
import type { Window } from './fanoutProbe.js';
import type { CoordinatorReport, FunctionHostStats } from './fanoutShared.js';

/** What one fan-out run measured (epoch ms times; windows from bench/fanoutProbe). */
export interface FanoutResult {
  imageCount: number;
  dim: number;
  /** Invocations in flight per coordinator. */
  concurrency: number;
  batchSize: number;
  cores: number;
  activityMs: number;
  phases: [string, number][];
  run: { status: string; error: string | null; score: number | null };
  cached: number;
  blockSize: number;
  coordinators: CoordinatorReport[];
  functions: FunctionHostStats;
  times: { start: number; done: number };
  windows: { run: Window; embed: Window; score: Window };
  calibration: { computeMs: number; putMs: number; noopPerSecond: number; payloadBytes: number };
  command: string;
}

export const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';

/** The probe's name for a coordinator process's CPU. */
export const coordinatorKey = (index: number): string => `coordinator ${index}`;

/** CPU seconds of every coordinator process over a window. */
function coordinatorSeconds(w: Window, coordinators: CoordinatorReport[]): number {
  return coordinators.reduce((sum, c) => sum + w.cores[coordinatorKey(c.index)] * w.seconds, 0);
}

function describeWindow(label: string, w: Window, r: FanoutResult): string[] {
  const c = w.cores;
  const coordinatorCores = coordinatorSeconds(w, r.coordinators) / w.seconds;
  const other = Math.max(0, c.machine - coordinatorCores - c.functions - c.backends - c.cluster - c.bench);
  const active = Object.entries(w.states)
    .filter(([state]) => state.startsWith('active'))
    .sort((a, b) => b[1] - a[1]);
  const activeSum = active.reduce((sum, [, n]) => sum + n, 0);
  const connections = Object.values(w.states).reduce((sum, n) => sum + n, 0);
  const perSecond = (n: number): string => fmt(n / w.seconds);
  return [
    `${label} (${fmt(w.seconds, 1)} s):`,
    `  CPU, in cores of ${r.cores}: coordinators ${fmt(coordinatorCores, 2)}, function host ${fmt(c.functions, 2)}, this database's PostgreSQL backends ${fmt(c.backends, 2)}, PostgreSQL's own processes ${fmt(c.cluster, 2)}, this bench process ${fmt(c.bench, 2)}, everything else ${fmt(other, 2)}; machine busy ${fmt(c.machine, 2)}`,
    `  PostgreSQL (pg_stat_database): ${perSecond(w.pg.xactCommit)} commits/s, ${perSecond(w.pg.tupInserted + w.pg.tupUpdated + w.pg.tupDeleted)} rows written/s (${perSecond(w.pg.tupInserted)} inserted, ${perSecond(w.pg.tupUpdated)} updated), ${perSecond(w.pg.tupFetched)} rows fetched/s`,
    `  WAL (pg_stat_wal, whole server): ${perSecond(w.pg.walRecords)} records/s, ${fmt(w.pg.walBytes / w.seconds / 2 ** 20, 2)} MiB/s${Number.isNaN(w.pg.walSync) ? '' : `, ${perSecond(w.pg.walSync)} syncs/s`}`,
    `  backends of this database: ${fmt(connections, 1)} connections on average, ${fmt(activeSum, 2)} active (${active.map(([state, n]) => `${state.slice(7)} ${fmt(n, 2)}`).join(', ') || 'none'})`,
  ];
}

/** Columns of the coordinators' table ('Invoke tries': embed and aggregate, retries included). */
const HEADER = [
  'coordinator',
  'pid',
  'embed inv.',
  'aggregate inv.',
  'Invoke tries',
  'retries',
  'CPU s',
  'CPU ms/embed inv.',
  'event loop busy',
  'drained at s',
];

function printCoordinators(r: FanoutResult, embedCalls: number, cpuSeconds: number): void {
  const sum = (value: (c: CoordinatorReport) => number): number => r.coordinators.reduce((total, c) => total + value(c), 0);
  const row = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(14) : cell.padStart(HEADER[i].length))).join('  ');
  console.log(row(HEADER));
  for (const c of [...r.coordinators].sort((a, b) => a.index - b.index)) {
    console.log(
      row([
        `${c.index} (${c.index === 0 ? 'started it' : 'joined'})`,
        String(c.pid),
        fmt(c.embed.calls),
        fmt(c.aggregate.calls),
        fmt(c.invoke.invocations),
        fmt(c.invoke.retries),
        fmt(c.cpuSeconds, 2),
        fmt((c.cpuSeconds * 1000) / c.embed.calls, 1),
        `${fmt(c.eventLoop * 100)}%`,
        fmt((c.drainedAt - r.times.start) / 1000, 2),
      ]),
    );
  }
  const total = ['total', '', fmt(embedCalls), fmt(sum((c) => c.aggregate.calls)), fmt(sum((c) => c.invoke.invocations))];
  console.log(row([...total, fmt(sum((c) => c.invoke.retries)), fmt(cpuSeconds, 2), fmt((cpuSeconds * 1000) / embedCalls, 1), '', '']));
}

export function printReport(r: FanoutResult): void {
  const { run, embed, score } = r.windows;
  const embedCalls = r.coordinators.reduce((sum, c) => sum + c.embed.calls, 0);
  const runCoordinatorSeconds = r.coordinators.reduce((sum, c) => sum + c.cpuSeconds, 0);
  const embedCoordinatorSeconds = coordinatorSeconds(embed, r.coordinators);
  const runSeconds = (r.times.done - r.times.start) / 1000;
  const images = r.imageCount;

  console.log('phase                                            wall s');
  for (const [name, seconds] of r.phases) console.log(`${name.padEnd(48)} ${fmt(seconds, 2).padStart(7)}`);
  console.log(
    `\nrun: ${r.run.status}${r.run.error ? ` (${r.run.error})` : ''}, score ${r.run.score?.toFixed(6)}, ${fmt(r.cached)} cache entries of ${fmt(images)} images; retries and failures are in the log on stderr\n`,
  );
  printCoordinators(r, embedCalls, runCoordinatorSeconds);
  const embedHandler = r.functions.handlers.embed;
  const aggregateHandler = r.functions.handlers.aggregate;
  const roundTripMs = r.coordinators.reduce((sum, c) => sum + c.embed.ms, 0) / embedCalls;
  console.log(
    `\nembed invocation: ${fmt(roundTripMs)} ms round trip on average, ${fmt(embedHandler.ms / embedHandler.calls)} ms of it in the handler; ${fmt(embedHandler.ms / 1000 / embed.seconds, 1)} handlers in flight on average (of ${fmt(r.coordinators.length * r.concurrency)} allowed)`,
  );
  console.log(
    `function host (pid ${r.functions.pid}): ${fmt(embedHandler.calls)} embed and ${fmt(aggregateHandler.calls)} aggregate calls (${fmt(aggregateHandler.ms / aggregateHandler.calls)} ms each in the handler), ${fmt(r.functions.cpuSeconds, 1)} CPU s over its life\n`,
  );

  // name, whole run, embed phase, digits
  const figures: [string, number, number, number][] = [
    ['images/s', images / runSeconds, images / embed.seconds, 0],
    ['WAL bytes per image (pg_stat_wal: whole server)', run.pg.walBytes / images, embed.pg.walBytes / images, 0],
    ['  WAL position advance per image (pg_current_wal_lsn: whole server)', run.pg.walPosition / images, embed.pg.walPosition / images, 0],
    ['commits per embed invocation (xact_commit)', run.pg.xactCommit / embedCalls, embed.pg.xactCommit / embedCalls, 1],
    ['rollbacks per embed invocation (xact_rollback)', run.pg.xactRollback / embedCalls, embed.pg.xactRollback / embedCalls, 2],
    ["active backends waiting on 'Lock', %", run.lockShare * 100, embed.lockShare * 100, 1],
    ["active backends waiting on 'LWLock', %", run.lwlockShare * 100, embed.lwlockShare * 100, 1],
    [
      'coordinator CPU per embed invocation, ms',
      (runCoordinatorSeconds * 1000) / embedCalls,
      (embedCoordinatorSeconds * 1000) / embedCalls,
      1,
    ],
    ['coordinator CPU per image, us', (runCoordinatorSeconds * 1e6) / images, (embedCoordinatorSeconds * 1e6) / images, 1],
    [
      'function host CPU per image, us (the handlers)',
      (run.cores.functions * run.seconds * 1e6) / images,
      (embed.cores.functions * embed.seconds * 1e6) / images,
      0,
    ],
    [
      "PostgreSQL backend CPU per image, us (this database's)",
      (run.cores.backends * run.seconds * 1e6) / images,
      (embed.cores.backends * embed.seconds * 1e6) / images,
      1,
    ],
  ];
  console.log(
    `${`per image / per invocation (${fmt(images)} images, ${fmt(embedCalls)} embed invocations)`.padEnd(70)}  whole run  embed phase`,
  );
  for (const [name, whole, embedPhase, digits] of figures)
    console.log(`${name.padEnd(70)} ${fmt(whole, digits).padStart(10)} ${fmt(embedPhase, digits).padStart(12)}`);
  console.log(
    `  (lock shares: mean over the ${run.activeSamples} resp. ${embed.activeSamples} pg_stat_activity samples, one every ${r.activityMs} ms, with an active backend of this database;\n` +
      `   PostgreSQL counts a working backend's statistics up to ~1 s late: the embed column is exact to about 1 s of its ${fmt(embed.seconds, 1)} s, the whole-run column is complete)`,
  );
  const blocks = score.pg.blksRead + score.pg.blksHit;
  console.log(
    `PostgreSQL blocks read+hit in the score phase: ${fmt(blocks)} blocks (${fmt(score.pg.blksRead)} read) x ${r.blockSize} B = ${fmt((blocks * r.blockSize) / 2 ** 20, 1)} MiB, ${fmt((blocks * r.blockSize) / images)} bytes per image; ${fmt(score.pg.tupFetched)} rows fetched (${fmt(score.pg.tupFetched / images, 1)} per image); a ${r.dim}-d float16 vector is ${fmt(r.dim * 2)} bytes`,
  );
  const functionBytes = r.functions.vectorBytesRead;
  if (typeof functionBytes === 'number') {
    const coordinatorBytes = r.coordinators.reduce((sum, c) => sum + (c.vectorBytesRead ?? 0), 0);
    console.log(
      `scoring vector bytes read from the vector store: ${fmt((functionBytes + coordinatorBytes) / images)} per image (aggregate handlers ${fmt(functionBytes)} B in all, coordinators ${fmt(coordinatorBytes)} B); no vector read from PostgreSQL\n`,
    );
  } else console.log('scoring vector bytes read: from PostgreSQL (see the blocks above)\n');

  for (const line of [...describeWindow('embed phase', embed, r), ...describeWindow('score phase', score, r)]) console.log(line);
  const c = embed.cores;
  const coordinatorCores = embedCoordinatorSeconds / embed.seconds;
  const shares: [string, number][] = [
    [`the coordinator process${r.coordinators.length > 1 ? 'es' : ''} (RunService, BatchStore, SDK + HTTP)`, coordinatorCores],
    ['the function host (handlers: read, decode, preprocess, inference, cache writes)', c.functions],
    ['the PostgreSQL backends', c.backends + c.cluster],
    [
      'other work on the machine (this bench process included)',
      Math.max(0, c.machine - coordinatorCores - c.functions - c.backends - c.cluster),
    ],
  ];
  shares.sort((a, b) => b[1] - a[1]);
  const saturated = c.machine >= 0.9 * r.cores;
  console.log(
    `\nbottleneck (embed phase): ${saturated ? `the machine's ${r.cores} cores are saturated (${fmt(c.machine, 2)} busy)` : `the CPUs are not saturated (${fmt(c.machine, 2)} of ${r.cores} busy)`}; ` +
      `largest consumer: ${shares[0][0]} at ${fmt(shares[0][1], 2)} cores, then ${shares[1][0]} at ${fmt(shares[1][1], 2)}`,
  );
  const { computeMs, putMs } = r.calibration;
  console.log('\ncalibration, one stream on the idle machine (before the run):');
  console.log(
    `  compute ${r.batchSize} images (read, sha256, decode, preprocess, inference, ${r.cores} threads): ${fmt(computeMs)} ms = ${fmt((computeMs * 1000) / r.batchSize)} us/image`,
  );
  console.log(
    `  cache write of ${r.batchSize} ${r.dim}-d vectors (one .npy shard written to the vector store and its row recorded): ${fmt(putMs, 1)} ms = ${fmt((putMs * 1000) / r.batchSize, 1)} us/image`,
  );
  console.log(
    `  bare invocations (same ${fmt(r.calibration.payloadBytes)}-byte payload, no-op handler, ${r.concurrency} in flight): ${fmt(r.calibration.noopPerSecond)} invocations/s`,
  );
  console.log(`\nreproduce: ${r.command}`);
}

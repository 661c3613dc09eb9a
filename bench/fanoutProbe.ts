// Samples what bench/fanout needs to place the bottleneck: CPU of this process, of one database's PostgreSQL backends and of the machine; pg_stat counters; backend states.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import pg from 'pg';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** pg_stat_database counters of the benchmarked database, and pg_stat_wal's of the cluster. */
export interface PgCounters {
  xactCommit: number;
  tupInserted: number;
  tupUpdated: number;
  tupDeleted: number;
  tupFetched: number;
  walRecords: number;
  walBytes: number;
  walSync: number;
}

export interface Sample {
  t: number;
  /** Cumulative CPU seconds of this process (every thread), of the database's backends, of the cluster's own processes, of the machine. */
  nodeCpu: number;
  backendCpu: number;
  clusterCpu: number;
  machineBusy: number;
  elu: EventLoopUtilization;
  pg: PgCounters;
  /** The database's connections now, by state ('active' split by wait event). */
  states: Record<string, number>;
}

export interface Window {
  seconds: number;
  nodeCores: number;
  backendCores: number;
  clusterCores: number;
  machineCores: number;
  eventLoop: number;
  pg: PgCounters;
  /** Mean connections per state over the window's samples. */
  states: Record<string, number>;
}

/** User + system clock ticks of a process, every thread (/proc/<pid>/stat utime and stime). */
function processTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU seconds a process (another one too) has used so far. */
export function processCpuSeconds(pid: number): number {
  return processTicks(pid) / CLOCK_TICKS;
}

function machineBusySeconds(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
}

/** CPU ticks of the server's processes: those serving `database`, and the cluster's own (writer, checkpointer, ...). */
function postgresTicks(database: string): { backends: Map<number, number>; cluster: Map<number, number> } {
  const backends = new Map<number, number>();
  const cluster = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!title.startsWith('postgres:')) continue;
      const ticks = processTicks(Number(entry));
      if (title.includes(` ${database} `)) backends.set(Number(entry), ticks);
      else if (!/\d+\.\d+\.\d+\.\d+\(|\[local\]/.test(title)) cluster.set(Number(entry), ticks);
    } catch {
      // the process ended while being read
    }
  }
  return { backends, cluster };
}

/** Ticks added since `before` (a process new since then counts whole; one that ended loses at most one interval). */
function addedTicks(now: Map<number, number>, before: Map<number, number>): number {
  let sum = 0;
  for (const [pid, ticks] of now) sum += ticks - (before.get(pid) ?? 0);
  return sum;
}

export class Probe {
  readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private last = { backends: new Map<number, number>(), cluster: new Map<number, number>() };
  private backendCpu = 0;
  private clusterCpu = 0;
  private sampling: Promise<void> = Promise.resolve();

  private constructor(
    private readonly client: pg.Client,
    private readonly database: string,
  ) {}

  /** Connects to the server's maintenance database (so the probe's own queries do not count as the benchmarked database's). */
  static async start(serverUrl: string, database: string, intervalMs: number): Promise<Probe> {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    const probe = new Probe(client, database);
    probe.last = postgresTicks(database);
    await probe.sample();
    probe.timer = setInterval(() => (probe.sampling = probe.sampling.then(() => probe.sample())), intervalMs);
    return probe;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sampling;
    await this.sample();
    await this.client.end();
  }

  private async sample(): Promise<void> {
    const ticks = postgresTicks(this.database);
    this.backendCpu += addedTicks(ticks.backends, this.last.backends) / CLOCK_TICKS;
    this.clusterCpu += addedTicks(ticks.cluster, this.last.cluster) / CLOCK_TICKS;
    this.last = ticks;
    const cpu = process.cpuUsage();
    const t = performance.now();
    const elu = performance.eventLoopUtilization();
    const machineBusy = machineBusySeconds();
    const stats = await this.client.query(
      `SELECT d.xact_commit, d.tup_inserted, d.tup_updated, d.tup_deleted, d.tup_fetched, w.wal_records, w.wal_bytes, w.wal_sync
       FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = $1`,
      [this.database],
    );
    const activity = await this.client.query<{ state: string; n: string }>(
      `SELECT CASE WHEN state = 'active' THEN 'active:' || coalesce(wait_event_type || '/' || wait_event, 'CPU') ELSE coalesce(state, '?') END AS state, count(*) AS n
       FROM pg_stat_activity WHERE datname = $1 GROUP BY 1`,
      [this.database],
    );
    const row = stats.rows[0] as Record<string, string>;
    this.samples.push({
      t,
      nodeCpu: (cpu.user + cpu.system) / 1e6,
      backendCpu: this.backendCpu,
      clusterCpu: this.clusterCpu,
      machineBusy,
      elu,
      pg: {
        xactCommit: Number(row.xact_commit),
        tupInserted: Number(row.tup_inserted),
        tupUpdated: Number(row.tup_updated),
        tupDeleted: Number(row.tup_deleted),
        tupFetched: Number(row.tup_fetched),
        walRecords: Number(row.wal_records),
        walBytes: Number(row.wal_bytes),
        walSync: Number(row.wal_sync),
      },
      states: Object.fromEntries(activity.rows.map((r) => [r.state, Number(r.n)])),
    });
  }

  /** Deltas and means between the first sample at or after `from` and the last at or before `to` (performance.now() times). */
  window(from: number, to: number): Window {
    const inside = this.samples.filter((s) => s.t >= from && s.t <= to);
    const a = inside[0] ?? this.samples[0];
    const b = inside.length > 1 ? inside[inside.length - 1] : this.samples[this.samples.length - 1];
    const seconds = (b.t - a.t) / 1000;
    const pgDelta = Object.fromEntries(
      Object.keys(a.pg).map((k) => [k, b.pg[k as keyof PgCounters] - a.pg[k as keyof PgCounters]]),
    ) as unknown as PgCounters;
    const states: Record<string, number> = {};
    for (const s of inside) for (const [state, n] of Object.entries(s.states)) states[state] = (states[state] ?? 0) + n / inside.length;
    return {
      seconds,
      nodeCores: (b.nodeCpu - a.nodeCpu) / seconds,
      backendCores: (b.backendCpu - a.backendCpu) / seconds,
      clusterCores: (b.clusterCpu - a.clusterCpu) / seconds,
      machineCores: (b.machineBusy - a.machineBusy) / seconds,
      eventLoop: performance.eventLoopUtilization(b.elu, a.elu).utilization,
      pg: pgDelta,
      states,
    };
  }
}

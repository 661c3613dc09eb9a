// Samples what bench/fanout reads its figures from: pg_stat_database, pg_stat_wal, pg_stat_activity of the bench database; CPU from /proc.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { epochMs } from './fanoutShared.js';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/**
 * pg_stat_database counters of the bench database; pg_stat_wal's of the whole server (walSync: NaN where the server has
 * none, 18+); walPosition: pg_current_wal_lsn() in bytes (whole server, current at once where the others lag).
 */
export type PgCounters = {
  xactCommit: number;
  xactRollback: number;
  tupInserted: number;
  tupUpdated: number;
  tupDeleted: number;
  tupFetched: number;
  blksRead: number;
  blksHit: number;
  walRecords: number;
  walBytes: number;
  walSync: number;
  walPosition: number;
};

const PG_COLUMNS: Record<keyof PgCounters, [view: 'd' | 'w' | 'l', column: string]> = {
  xactCommit: ['d', 'xact_commit'],
  xactRollback: ['d', 'xact_rollback'],
  tupInserted: ['d', 'tup_inserted'],
  tupUpdated: ['d', 'tup_updated'],
  tupDeleted: ['d', 'tup_deleted'],
  tupFetched: ['d', 'tup_fetched'],
  blksRead: ['d', 'blks_read'],
  blksHit: ['d', 'blks_hit'],
  walRecords: ['w', 'wal_records'],
  walBytes: ['w', 'wal_bytes'],
  walSync: ['w', 'wal_sync'],
  walPosition: ['l', 'lsn'],
};

/** Cumulative counters at one moment: CPU seconds by consumer, and PostgreSQL's. */
export interface Counters {
  /** `bench` (this process), each tracked process by name, `backends` (the bench database's), `cluster` (PostgreSQL's own processes), `machine`. */
  cpu: Record<string, number>;
  pg: PgCounters;
}

export interface Sample extends Counters {
  /** epochMs */
  t: number;
}

/** pg_stat_activity of the bench database at one moment. */
export interface Activity {
  /** epochMs */
  t: number;
  /** Its connections by state ('active' split by wait event). */
  states: Record<string, number>;
  /** Active backends of the bench database, and those of them waiting on a heavyweight lock (Lock) or an LWLock. */
  active: number;
  lock: number;
  lwlock: number;
}

export interface Window {
  seconds: number;
  /** Cores used on average, by consumer (as Counters.cpu). */
  cores: Record<string, number>;
  pg: PgCounters;
  /** Mean connections per state over the window's activity samples. */
  states: Record<string, number>;
  /** Mean over the window's activity samples with an active backend of lock / active and lwlock / active; NaN without one. */
  lockShare: number;
  lwlockShare: number;
  /** Activity samples in the window (those with an active backend). */
  activitySamples: number;
  activeSamples: number;
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

const subtract = <T extends Record<string, number>>(b: T, a: T): T =>
  Object.fromEntries(Object.keys(b).map((k) => [k, b[k] - (a[k] ?? 0)])) as T;

export class Probe {
  readonly samples: Sample[] = [];
  readonly activity: Activity[] = [];
  private timers: NodeJS.Timeout[] = [];
  private watching = false;
  private last = { backends: new Map<number, number>(), cluster: new Map<number, number>() };
  private backendCpu = 0;
  private clusterCpu = 0;
  /** Last CPU seconds read of each tracked process (kept once it has exited). */
  private readonly tracked: Map<string, { pid: number; seconds: number }>;
  private sampling: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly client: pg.Client,
    private readonly database: string,
    processes: Record<string, number>,
  ) {
    this.tracked = new Map(Object.entries(processes).map(([name, pid]) => [name, { pid, seconds: 0 }]));
  }

  /**
   * Samples the counters every `intervalMs` (with the CPU of `processes`, name -> pid, besides PostgreSQL's and this
   * process's) and pg_stat_activity every `activityMs`. Connects to the server's maintenance database, so the probe's
   * own queries do not count as the bench database's.
   */
  static async start(
    serverUrl: string,
    database: string,
    intervals: { counters: number; activity: number },
    processes: Record<string, number>,
  ): Promise<Probe> {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    const probe = new Probe(client, database, processes);
    probe.last = postgresTicks(database);
    await probe.sampleNow();
    probe.timers = [
      setInterval(() => probe.sampleNow().catch(() => undefined), intervals.counters),
      setInterval(() => probe.watchActivity(), intervals.activity),
    ];
    return probe;
  }

  /** Takes a sample now (after any in progress). */
  sampleNow(): Promise<Sample> {
    const next = this.sampling.then(() => this.sample());
    this.sampling = next.catch(() => undefined);
    return next;
  }

  /** Waits until the bench database has no connection left (their backends have sent their statistics), at most `timeoutMs`. */
  async waitForNoConnections(timeoutMs: number): Promise<boolean> {
    const until = epochMs() + timeoutMs;
    for (;;) {
      const { rows } = await this.client.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [
        this.database,
      ]);
      if (Number(rows[0].n) === 0) return true;
      if (epochMs() > until) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops sampling; the last sample is taken now. */
  async stop(): Promise<Sample> {
    for (const timer of this.timers) clearInterval(timer);
    const last = await this.sampleNow();
    await this.client.end();
    return last;
  }

  private async sample(): Promise<Sample> {
    const ticks = postgresTicks(this.database);
    this.backendCpu += addedTicks(ticks.backends, this.last.backends) / CLOCK_TICKS;
    this.clusterCpu += addedTicks(ticks.cluster, this.last.cluster) / CLOCK_TICKS;
    this.last = ticks;
    const cpu: Record<string, number> = {};
    for (const [name, tracked] of this.tracked) {
      try {
        tracked.seconds = processCpuSeconds(tracked.pid);
      } catch {
        // it has exited: its last reading stands
      }
      cpu[name] = tracked.seconds;
    }
    const own = process.cpuUsage();
    cpu.bench = (own.user + own.system) / 1e6;
    cpu.backends = this.backendCpu;
    cpu.cluster = this.clusterCpu;
    cpu.machine = machineBusySeconds();
    const t = epochMs();
    const stats = await this.client.query<Record<'d' | 'w' | 'l', Record<string, unknown>>>(
      `SELECT to_jsonb(d) AS d, to_jsonb(w) AS w, jsonb_build_object('lsn', pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')) AS l
       FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = $1`,
      [this.database],
    );
    const row = stats.rows[0];
    const pgCounters = Object.fromEntries(
      Object.entries(PG_COLUMNS).map(([key, [view, column]]) => [key, Number(row?.[view]?.[column] ?? Number.NaN)]),
    ) as PgCounters;
    const sample: Sample = { t, cpu, pg: pgCounters };
    this.samples.push(sample);
    return sample;
  }

  /** One pg_stat_activity sample (skipped while the last is still being taken). */
  private watchActivity(): void {
    if (this.watching) return;
    this.watching = true;
    const t = epochMs();
    this.client
      .query<{ state: string | null; type: string | null; event: string | null; n: string }>(
        `SELECT state, wait_event_type AS type, wait_event AS event, count(*) AS n
         FROM pg_stat_activity WHERE datname = $1 GROUP BY 1, 2, 3`,
        [this.database],
      )
      .then(({ rows }) => {
        const sample: Activity = { t, states: {}, active: 0, lock: 0, lwlock: 0 };
        for (const r of rows) {
          const n = Number(r.n);
          const state = r.state === 'active' ? `active:${r.type ? `${r.type}/${r.event}` : 'CPU'}` : (r.state ?? '?');
          sample.states[state] = (sample.states[state] ?? 0) + n;
          if (r.state !== 'active') continue;
          sample.active += n;
          if (r.type === 'Lock') sample.lock += n;
          if (r.type === 'LWLock') sample.lwlock += n;
        }
        this.activity.push(sample);
      })
      .catch(() => undefined)
      .finally(() => (this.watching = false));
  }

  /** The cumulative counters at time `t` (epochMs), interpolated linearly between the samples either side. */
  at(t: number): Counters {
    const after = this.samples.findIndex((s) => s.t >= t);
    if (after === 0 || this.samples.length === 1) return this.samples[0];
    if (after < 0) return this.samples[this.samples.length - 1];
    const a = this.samples[after - 1];
    const b = this.samples[after];
    const f = (t - a.t) / (b.t - a.t);
    const mix = <T extends Record<string, number>>(x: T, y: T): T =>
      Object.fromEntries(Object.keys(y).map((k) => [k, x[k] + f * (y[k] - x[k])])) as T;
    return { cpu: mix(a.cpu, b.cpu), pg: mix(a.pg, b.pg) };
  }

  /**
   * Deltas and means from `from` to `to` (epochMs). `pgAtEnd`: PostgreSQL's counters to use at `to` instead of the
   * interpolated ones (a sample taken once the backends had sent their last statistics; the WAL position, never late,
   * stays interpolated).
   */
  window(from: number, to: number, pgAtEnd?: PgCounters): Window {
    const start = this.at(from);
    const end = this.at(to);
    const seconds = (to - from) / 1000;
    const cpu = subtract(end.cpu, start.cpu);
    const inside = this.activity.filter((s) => s.t >= from && s.t <= to);
    const busy = inside.filter((s) => s.active > 0);
    const states: Record<string, number> = {};
    for (const s of inside) for (const [state, n] of Object.entries(s.states)) states[state] = (states[state] ?? 0) + n / inside.length;
    const mean = (share: (s: Activity) => number): number => busy.reduce((sum, s) => sum + share(s), 0) / busy.length;
    return {
      seconds,
      cores: Object.fromEntries(Object.entries(cpu).map(([name, used]) => [name, used / seconds])),
      pg: subtract(pgAtEnd ? { ...pgAtEnd, walPosition: end.pg.walPosition } : end.pg, start.pg),
      states,
      lockShare: mean((s) => s.lock / s.active),
      lwlockShare: mean((s) => s.lwlock / s.active),
      activitySamples: inside.length,
      activeSamples: busy.length,
    };
  }
}

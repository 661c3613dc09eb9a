// What every bench script's command line shares: a failure exit naming the bench, positive integer options, medians, the machine and its load.
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
export interface BenchCli {
  fail(message: string): never;
  positiveInt(name: string, value: string | undefined, fallback: number): number;
  /** parseArgs, with an unknown or malformed flag reported in one line (the flags the bench takes) instead of a stack trace. */
  args<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>>;
}

export function benchCli(bench: string): BenchCli {
  const fail = (message: string): never => {
    console.error(`\n${bench} FAILED: ${message}`);
    process.exit(1);
  };
  return {
    fail,
    positiveInt(name, value, fallback) {
      if (value === undefined) return fallback;
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer (got ${JSON.stringify(value)})`);
      return n;
    },
    args(config) {
      try {
        return parseArgs(config);
      } catch (error) {
        const flags = Object.keys(config.options ?? {})
          .map((name) => `--${name}`)
          .join(' ');
        console.error(`${bench}: ${error instanceof Error ? error.message : String(error)} (flags: ${flags || 'none'})`);
        process.exit(2);
      }
    },
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One line naming the CPU, cores, memory and Node version. */
export function machineLine(): string {
  return `machine: ${cpus()[0]?.model ?? '?'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; Node ${process.version}`;
}

/** The 1, 5 and 15 minute load averages (other work on the machine), as `uptime` prints them. */
export function loadLine(): string {
  return `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`;
}

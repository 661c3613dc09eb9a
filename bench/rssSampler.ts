// Samples this process's resident memory (/proc/self/status: VmRSS now, VmHWM the peak; worker threads included) per named phase.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

function statusKiB(field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) : NaN;
}

export class RssSampler {
  /** Largest VmRSS seen per phase, in MiB. */
  readonly peaks = new Map<string, number>();
  private phase = 'start';
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Wall seconds of the phases run through `timed`. */
  readonly seconds = new Map<string, number>();

  /** Runs `work` as phase `name` and keeps its wall time. */
  async timed<T>(name: string, work: () => Promise<T>): Promise<T> {
    this.enter(name);
    const start = performance.now();
    const result = await work();
    this.seconds.set(name, (performance.now() - start) / 1000);
    return result;
  }

  /** One line per phase: its wall seconds (timed phases) and its peak VmRSS, under a header line. */
  table(): string {
    const rows = [...this.peaks].map(([name, peak]) => {
      const wall = this.seconds.get(name);
      return `${name.padEnd(38)} ${(wall === undefined ? '' : wall.toFixed(1)).padStart(7)}   ${peak.toFixed(0).padStart(6)}`;
    });
    return ['phase                                   wall s   peak RSS MiB (100 ms samples)', ...rows].join('\n');
  }

  /** Following samples count for `name`. */
  enter(name: string): void {
    this.sample();
    this.phase = name;
    this.sample();
  }

  sample(): void {
    const mib = statusKiB('VmRSS') / 1024;
    this.peaks.set(this.phase, Math.max(this.peaks.get(this.phase) ?? 0, mib));
  }

  /** The kernel's high-water mark of resident memory over the process's life (catches peaks between samples), MiB. */
  highWaterMark(): number {
    return statusKiB('VmHWM') / 1024;
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}

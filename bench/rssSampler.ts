// Samples this process's resident memory (/proc/self/status: VmRSS now, VmHWM the peak; worker threads included) per named phase.
import { readFileSync } from 'node:fs';

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

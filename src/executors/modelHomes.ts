// Which local worker holds each model of multi-model tasks: every model's session in one worker only, the models spread so the workers' inference costs balance.
import type { ModelReference } from './executor.js';

/** Tasks whose inference per image is averaged into a model's cost; until then its file size stands in for it. */
const SAMPLES = 3;

interface Known {
  /** Bytes of the ONNX file: the cost estimate until the model is measured (CNN compute grows with weights). */
  bytes: number;
  /** Inference milliseconds per image measured so far, and how many tasks they came from. */
  ms: number;
  samples: number;
  home: number;
}

/** The key of a model's session in a worker (see inference/modelCache.ts). */
export function sessionKey(model: ModelReference): string {
  return `${model.onnxHash}|${model.preprocessHash}|${model.outputName}`;
}

/** A session a worker holds and no longer needs. */
export interface Released {
  key: string;
  worker: number;
}

export class ModelHomes {
  private readonly known = new Map<string, Known>();
  /** The model whose tasks are shared between two workers, the share the second one takes, and how much of it is owed. */
  private swing: { key: string; to: number; share: number; owed: number } | null = null;

  constructor(private readonly workers: number) {}

  has(model: ModelReference): boolean {
    return this.known.has(sessionKey(model));
  }

  /** Which thread runs each of these models this time (in their order); a model new to the pool is placed by its file size (`bytes`). */
  place(models: ModelReference[], bytes: (model: ModelReference) => number): { workers: number[]; released: Released[] } {
    let added = false;
    for (const model of models) {
      const key = sessionKey(model);
      if (this.known.has(key)) continue;
      this.known.set(key, { bytes: bytes(model), ms: 0, samples: 0, home: -1 });
      added = true;
    }
    const released = added ? this.plan() : [];
    const workers = models.map((model) => {
      const key = sessionKey(model);
      const swing = this.swing;
      if (swing?.key !== key) return this.known.get(key)!.home;
      swing.owed += swing.share;
      if (swing.owed < 1) return this.known.get(key)!.home;
      swing.owed -= 1;
      return swing.to;
    });
    return { workers, released };
  }

  /**
   * Records a task's inference milliseconds per image of a model; once every known model has SAMPLES of them, the
   * models are spread again by their measured costs. Returns the sessions no longer needed.
   */
  measured(model: ModelReference, msPerImage: number): Released[] {
    const known = this.known.get(sessionKey(model));
    if (!known || known.samples >= SAMPLES || !(msPerImage > 0)) return [];
    known.ms += msPerImage;
    known.samples++;
    const all = [...this.known.values()].every((k) => k.samples >= SAMPLES);
    return known.samples === SAMPLES && all ? this.plan() : [];
  }

  /**
   * Largest cost first, each to the least loaded worker (a model keeps its worker where loads tie); then the most loaded
   * worker's cheapest model that can even the loads out swings: a share of its tasks goes to the least loaded worker,
   * which holds its session too. Returns the sessions no longer needed.
   */
  private plan(): Released[] {
    const entries = [...this.known.entries()];
    const measured = entries.filter(([, k]) => k.samples >= SAMPLES);
    // Unmeasured models are costed by size at the measured models' milliseconds per byte (1 ms per MB before any).
    const msPerByte =
      measured.length > 0
        ? measured.reduce((sum, [, k]) => sum + k.ms / SAMPLES, 0) /
          Math.max(
            1,
            measured.reduce((sum, [, k]) => sum + k.bytes, 0),
          )
        : 1e-6;
    const cost = (k: Known) => (k.samples >= SAMPLES ? k.ms / SAMPLES : k.bytes * msPerByte);
    const load = Array.from({ length: this.workers }, () => 0);
    const before = this.holdings();
    for (const [, k] of entries.sort(([ka, a], [kb, b]) => cost(b) - cost(a) || (ka < kb ? -1 : 1))) {
      const least = Math.min(...load);
      const home = k.home >= 0 && load[k.home] === least ? k.home : load.indexOf(least);
      k.home = home;
      load[home] += cost(k);
    }
    const from = load.indexOf(Math.max(...load));
    const to = load.indexOf(Math.min(...load));
    const half = (load[from] - load[to]) / 2;
    const swing = entries.filter(([, k]) => k.home === from && cost(k) >= half).sort(([, a], [, b]) => cost(a) - cost(b))[0];
    this.swing = swing && half > 0 ? { key: swing[0], to, share: half / cost(swing[1]), owed: 0 } : null;
    const after = new Set(this.holdings().map(({ key, worker }) => `${worker}|${key}`));
    return before.filter(({ key, worker }) => !after.has(`${worker}|${key}`));
  }

  /** Every session a worker holds by the plan. */
  private holdings(): Released[] {
    const held = [...this.known.entries()].filter(([, k]) => k.home >= 0).map(([key, k]) => ({ key, worker: k.home }));
    return this.swing ? [...held, { key: this.swing.key, worker: this.swing.to }] : held;
  }
}

// In-process single flight for embedding: batches of concurrent runs that need the same model x image share one piece of work.
import type { EmbedResult } from '../executors/executor.js';

type Outcome = { contentHash: string } | { error: string };

/** What a batch asks for: images by id (with what the work needs of them). */
export interface FlightImage {
  id: string;
}

/**
 * A batch's images that another batch of this process is embedding with the same model wait for that work; the rest
 * are given to `work` as one call, which the later batches then wait for in turn. Work only starts for images that no
 * flight holds, and a flight ends only after its work returned (vectors in the cache): a batch that arrives later finds
 * them there when `work` looks in the cache first.
 */
export class EmbedFlights {
  private readonly flights = new Map<string, Promise<Outcome>>();

  async run<I extends FlightImage>(modelKey: string, images: I[], work: (images: I[]) => Promise<EmbedResult>): Promise<EmbedResult> {
    const key = (image: I) => `${modelKey}\n${image.id}`;
    const mine = images.filter((image) => !this.flights.has(key(image)));
    if (mine.length > 0) {
      const done = work(mine);
      for (const image of mine) {
        const outcome = done.then((result) => outcomeOf(result, image.id));
        this.flights.set(key(image), outcome);
        const end = () => {
          if (this.flights.get(key(image)) === outcome) this.flights.delete(key(image));
        };
        outcome.then(end, end);
      }
    }
    // Captured before any await: a flight that ends meanwhile is still the one to wait for.
    const waits = images.map((image) => this.flights.get(key(image))!);
    const outcomes = await Promise.all(waits);
    const result: EmbedResult = { embedded: [], failed: [] };
    images.forEach((image, i) => {
      const outcome = outcomes[i];
      if ('contentHash' in outcome) result.embedded.push({ id: image.id, contentHash: outcome.contentHash });
      else result.failed.push({ id: image.id, error: outcome.error });
    });
    return result;
  }
}

function outcomeOf(result: EmbedResult, id: string): Outcome {
  const embedded = result.embedded.find((e) => e.id === id);
  if (embedded) return { contentHash: embedded.contentHash };
  return { error: result.failed.find((f) => f.id === id)?.error ?? 'not embedded' };
}

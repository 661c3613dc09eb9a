// In-process single flight for embedding: batches of concurrent runs that need the same model x image share one piece of work.
import { UserInputError } from '../errors.js';
import type { EmbedResult, ModelEmbedded, ModelEmbedResult } from '../executors/executor.js';

type Outcome = { contentHash: string } | { error: string };

/** What a batch asks for: images by id (with what the work needs of them). */
export interface FlightImage {
  id: string;
}

/**
 * A batch's images that another batch of this process is embedding with the same model wait for that work; the rest
 * are given to `work` as one call for all the batch's models, which the later batches then wait for in turn. Work only
 * starts for images that no flight holds, and a flight ends only after its work returned (vectors in the cache): a
 * batch that arrives later finds them there when `work` looks in the cache first.
 */
export class EmbedFlights {
  private readonly flights = new Map<string, Promise<Outcome>>();

  /**
   * `work` gets, per model key, the images no flight holds (empty for a key repeated in `modelKeys`), and answers per
   * key. Returns each model's result, or why that model failed (its work failed, or it failed as a whole).
   */
  async run<I extends FlightImage>(
    modelKeys: string[],
    images: I[],
    work: (todo: I[][]) => Promise<EmbedResult>,
  ): Promise<PromiseSettledResult<ModelEmbedded>[]> {
    const key = (modelKey: string, image: I) => `${modelKey}\n${image.id}`;
    const mine = modelKeys.map((modelKey, k) =>
      modelKeys.indexOf(modelKey) < k ? [] : images.filter((image) => !this.flights.has(key(modelKey, image))),
    );
    if (mine.some((todo) => todo.length > 0)) {
      const done = work(mine);
      mine.forEach((todo, k) => {
        for (const image of todo) {
          const flightKey = key(modelKeys[k], image);
          const outcome = done.then((result) => outcomeOf(result.models[k], image.id));
          this.flights.set(flightKey, outcome);
          const end = () => {
            if (this.flights.get(flightKey) === outcome) this.flights.delete(flightKey);
          };
          outcome.then(end, end);
        }
      });
    }
    // Captured before any await: a flight that ends meanwhile is still the one to wait for.
    const waits = modelKeys.map((modelKey) => images.map((image) => this.flights.get(key(modelKey, image))!));
    return Promise.allSettled(
      waits.map(async (modelWaits) => {
        const outcomes = await Promise.all(modelWaits);
        const result: ModelEmbedded = { embedded: [], failed: [] };
        images.forEach((image, i) => {
          const outcome = outcomes[i];
          if ('contentHash' in outcome) result.embedded.push({ id: image.id, contentHash: outcome.contentHash });
          else result.failed.push({ id: image.id, error: outcome.error });
        });
        return result;
      }),
    );
  }
}

/** An image's outcome in a model's result; a model that failed as a whole rejects (a user error: its model's fault). */
function outcomeOf(result: ModelEmbedResult, id: string): Outcome {
  if ('error' in result) throw new UserInputError(result.error);
  const embedded = result.embedded.find((e) => e.id === id);
  if (embedded) return { contentHash: embedded.contentHash };
  return { error: result.failed.find((f) => f.id === id)?.error ?? 'not embedded' };
}

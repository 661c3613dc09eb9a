// In-process single flight for embedding: batches of runs that need the same model x image share one piece of work, and later ones its outcome.
import { UserInputError } from '../errors.js';
import type { ShardRecord } from '../embedding/embeddingCache.js';
import type { EmbedResult, ModelEmbedded, ModelEmbedResult } from '../executors/executor.js';

/** An image's vector and the shard that holds it, or why it has none. */
type Outcome = { contentHash: string; shard: ShardRecord | undefined } | { error: string };

/** Images embedded here whose outcome stays known to later batches of this process (their shard is recorded again). */
const REMEMBERED = 100_000;

/** What a batch asks for: images by id (with what the work needs of them). */
export interface FlightImage {
  id: string;
}

/**
 * A batch's images that another batch of this process is embedding with the same model wait for that work; the rest
 * are given to `work` as one call for all the batch's models, which the later batches then wait for in turn. Every batch
 * gets the shards that hold its images' vectors, so each records them (the first record wins), and only the batch
 * whose work computed images reports that work's throughput. A flight whose image was embedded stays (the latest
 * REMEMBERED of them), so a batch of a later run in this process finds the vector without asking the database.
 */
export class EmbedFlights {
  private readonly flights = new Map<string, Promise<Outcome>>();
  /** Keys of ended flights that embedded their image, oldest first. */
  private readonly remembered = new Set<string>();

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
    let done: Promise<EmbedResult> | undefined;
    if (mine.some((todo) => todo.length > 0)) {
      done = work(mine);
      mine.forEach((todo, k) => {
        for (const image of todo) {
          const flightKey = key(modelKeys[k], image);
          const outcome = done!.then((result) => outcomeOf(result.models[k], image.id));
          this.flights.set(flightKey, outcome);
          const forget = () => {
            if (this.flights.get(flightKey) === outcome) this.flights.delete(flightKey);
          };
          outcome.then((ended) => ('error' in ended ? forget() : this.remember(flightKey)), forget);
        }
      });
    }
    // Captured before any await: a flight that ends meanwhile is still the one to wait for.
    const waits = modelKeys.map((modelKey) => images.map((image) => this.flights.get(key(modelKey, image))!));
    const own = await done?.catch(() => undefined);
    return Promise.allSettled(
      waits.map(async (modelWaits, k) => {
        const outcomes = await Promise.all(modelWaits);
        const result: ModelEmbedded = { embedded: [], failed: [], shards: [] };
        images.forEach((image, i) => {
          const outcome = outcomes[i];
          if ('error' in outcome) result.failed.push({ id: image.id, error: outcome.error });
          else {
            result.embedded.push({ id: image.id, contentHash: outcome.contentHash });
            if (outcome.shard && !result.shards!.includes(outcome.shard)) result.shards!.push(outcome.shard);
          }
        });
        const computed = own?.models[k];
        if (computed && 'embedded' in computed && mine[k].length > 0) {
          result.computeSeconds = computed.computeSeconds;
          result.computedImages = computed.embedded.length;
        }
        return result;
      }),
    );
  }

  private remember(flightKey: string): void {
    this.remembered.delete(flightKey);
    this.remembered.add(flightKey);
    for (const oldest of this.remembered) {
      if (this.remembered.size <= REMEMBERED) break;
      this.remembered.delete(oldest);
      this.flights.delete(oldest);
    }
  }
}

/** An image's outcome in a model's result; a model that failed as a whole rejects (a user error: its model's fault). */
function outcomeOf(result: ModelEmbedResult, id: string): Outcome {
  if ('error' in result) throw new UserInputError(result.error);
  const embedded = result.embedded.find((e) => e.id === id);
  if (embedded) {
    const shards = result.shards ?? [];
    const shard = shards.length === 1 ? shards[0] : shards.find((s) => s.imageHashes.includes(embedded.contentHash));
    return { contentHash: embedded.contentHash, shard };
  }
  return { error: result.failed.find((f) => f.id === id)?.error ?? 'not embedded' };
}

// The leaderboard per dataset, kept in memory until run events (which reach every process over LISTEN/NOTIFY) or a deletion make it stale.
import type { DatasetService } from '../catalog/datasetService.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { leaderboard } from './leaderboard.js';
import type { RunEvents } from '../events/runEvents.js';

type Leaderboard = Awaited<ReturnType<typeof leaderboard>>;

/** A deletion made by another process sends no event: no entry is served older than this. */
const MAX_AGE_MS = 5000;

/**
 * For processes whose RunEvents carry every process's events (the platform's PgEventBus): an evaluation's
 * success is followed by a progress event, a run's end by a completed one, and either clears the cache.
 * Concurrent requests for a dataset share one load; a failed load (unknown dataset) is not kept.
 */
export class LeaderboardCache {
  private readonly entries = new Map<string, { at: number; board: Promise<Leaderboard> }>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly datasets: DatasetService,
    events: RunEvents,
    private readonly maxAgeMs = MAX_AGE_MS,
  ) {
    events.onEvery('progress', () => this.clear());
    events.onEvery('completed', () => this.clear());
  }

  /** The dataset's leaderboard; NOT_FOUND (from DatasetService.get) for an unknown dataset. */
  get(datasetId: string): Promise<Leaderboard> {
    const hit = this.entries.get(datasetId);
    if (hit && Date.now() - hit.at < this.maxAgeMs) return hit.board;
    const entry = { at: Date.now(), board: this.datasets.get(datasetId).then(() => leaderboard(this.prisma, datasetId)) };
    this.entries.set(datasetId, entry);
    entry.board.catch(() => {
      if (this.entries.get(datasetId) === entry) this.entries.delete(datasetId);
    });
    return entry.board;
  }

  /** After a dataset is deleted in this process (a model on a leaderboard has evaluations, so it cannot be deleted). */
  clear(): void {
    this.entries.clear();
  }
}

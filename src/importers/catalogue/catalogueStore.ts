// Stores a screened catalogue in one transaction, rows streamed in batches; an import of the same files finds the dataset it made before.
import { createTaxonomy, insertImages, insertItems, ROWS_PER_INSERT, type ImageRow } from '../../catalog/datasetRows.js';
import { hashImageSources } from '../../catalog/imageSources.js';
import type { Dataset, PrismaClient } from '../../generated/prisma/client.js';
import type { CatalogueRow } from './catalogueRows.js';

export interface CatalogueToStore {
  /** The import's source hash (see catalogueImport). */
  hash: string;
  name: string;
  manifestPath: string;
  rootDir: string;
  categoryWeights: Record<string, number>;
  /** Category names in mapping order. */
  categories: string[];
  /** Every distinct tag of the rows. */
  tags: { category: string; name: string }[];
  /** The good rows, in file order. */
  rows: AsyncIterable<CatalogueRow>;
}

/** A million rows take minutes to store. */
const STORE_TIMEOUT_MS = 60 * 60_000;

/** The id of an item's n-th image (from 1). */
export function catalogueImageId(itemId: string, n: number): string {
  return `${itemId}#${n}`;
}

async function* batches(rows: AsyncIterable<CatalogueRow>): AsyncGenerator<CatalogueRow[]> {
  let batch: CatalogueRow[] = [];
  for await (const row of rows) {
    if (batch.push(row) === ROWS_PER_INSERT) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** The new dataset (version one more than the name's latest), or the one an import of the same source made before. */
export async function storeCatalogue(prisma: PrismaClient, catalogue: CatalogueToStore): Promise<{ dataset: Dataset; reused: boolean }> {
  return prisma.$transaction(
    async (tx) => {
      // Imports of the same source wait for each other here, so the second finds the first's dataset.
      await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended(${catalogue.hash}, 0))`;
      const existing = await tx.dataset.findFirst({ where: { sourceHash: catalogue.hash }, orderBy: { createdAt: 'asc' } });
      if (existing) return { dataset: existing, reused: true };
      const latest = await tx.dataset.aggregate({ where: { name: catalogue.name }, _max: { version: true } });
      const dataset = await tx.dataset.create({
        data: {
          name: catalogue.name,
          manifestPath: catalogue.manifestPath,
          rootDir: catalogue.rootDir,
          categoryWeights: catalogue.categoryWeights,
          sourceHash: catalogue.hash,
          version: (latest._max.version ?? 0) + 1,
        },
      });
      const weight = (c: string) => (Object.hasOwn(catalogue.categoryWeights, c) ? catalogue.categoryWeights[c] : null);
      const tagIds = await createTaxonomy(tx, dataset.id, {
        categories: catalogue.categories.map((name) => ({ name, weight: weight(name) })),
        tags: catalogue.tags,
      });
      let items = 0;
      let images = 0;
      for await (const batch of batches(catalogue.rows)) {
        const itemIds = await insertItems(
          tx,
          dataset.id,
          tagIds,
          batch.map((row) => ({ id: row.id, tags: row.tags })),
          items,
        );
        const sources = batch.flatMap((row) => row.images.map((uri, i) => ({ id: catalogueImageId(row.id, i + 1), item: row.id, uri })));
        const hashes = await hashImageSources(catalogue.rootDir, sources);
        const rows: ImageRow[] = sources.map((source, i) => ({ ...source, contentHash: hashes[i] }));
        await insertImages(tx, dataset.id, itemIds, rows, images);
        items += batch.length;
        images += rows.length;
      }
      return { dataset, reused: false };
    },
    { timeout: STORE_TIMEOUT_MS, maxWait: 30_000 },
  );
}

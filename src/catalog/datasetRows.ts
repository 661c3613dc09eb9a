// Writes a dataset's rows inside a transaction in batches: its categories and tags, then items with their tags, then images.
import { randomUUID } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.js';
import { tagKey, type ItemSpec } from '../metric/dataset.js';
import type { Taxonomy } from './taxonomy.js';

/** Rows per INSERT statement (and per batch of a streamed import). */
export const ROWS_PER_INSERT = 1000;

export interface ImageRow {
  /** The image's id in the dataset. */
  id: string;
  /** Its item's id in the dataset. */
  item: string;
  uri: string;
  contentHash: string | null;
}

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) out.push(rows.slice(i, i + ROWS_PER_INSERT));
  return out;
}

/** Stores the categories and tags; returns each tag's database id by tagKey(category, name). */
export async function createTaxonomy(tx: Prisma.TransactionClient, datasetId: string, taxonomy: Taxonomy): Promise<Map<string, string>> {
  const categories = await tx.tagCategory.createManyAndReturn({
    data: taxonomy.categories.map((c) => ({ datasetId, name: c.name, weight: c.weight })),
    select: { id: true, name: true },
  });
  const categoryId = new Map(categories.map((c) => [c.name, c.id]));
  const categoryName = new Map(categories.map((c) => [c.id, c.name]));
  const tagIds = new Map<string, string>();
  for (const part of chunks(taxonomy.tags)) {
    const rows = await tx.tag.createManyAndReturn({
      data: part.map((t) => ({ categoryId: categoryId.get(t.category)!, name: t.name })),
      select: { id: true, name: true, categoryId: true },
    });
    for (const row of rows) tagIds.set(tagKey(categoryName.get(row.categoryId)!, row.name), row.id);
  }
  return tagIds;
}

/** Stores items (positions from `firstPosition`) with their tags; returns each item's database id by its id. */
export async function insertItems(
  tx: Prisma.TransactionClient,
  datasetId: string,
  tagIds: Map<string, string>,
  items: ItemSpec[],
  firstPosition: number,
): Promise<Map<string, string>> {
  const itemIds = new Map<string, string>();
  let position = firstPosition;
  for (const part of chunks(items)) {
    const ids = part.map(() => randomUUID());
    const positions = part.map(() => position++);
    // One statement of arrays per batch: Prisma's createMany spent ~70% of a large import's CPU building its statements.
    await tx.$executeRaw`INSERT INTO "Item" ("id", "datasetId", "externalId", "position")
      SELECT id, ${datasetId}, external, position FROM unnest(${ids}::text[], ${part.map((item) => item.id)}::text[], ${positions}::int[]) AS t(id, external, position)`;
    part.forEach((item, i) => itemIds.set(item.id, ids[i]));
    const links = part.flatMap((item) =>
      item.tags.map((tag, i) => ({ itemId: itemIds.get(item.id)!, tagId: tagIds.get(tagKey(tag.category, tag.name))!, position: i })),
    );
    for (const batch of chunks(links)) {
      await tx.$executeRaw`INSERT INTO "ItemTag" ("itemId", "tagId", "position")
        SELECT * FROM unnest(${batch.map((l) => l.itemId)}::text[], ${batch.map((l) => l.tagId)}::text[], ${batch.map((l) => l.position)}::int[])`;
    }
  }
  return itemIds;
}

/** Stores images (positions from `firstPosition`) of items stored before. */
export async function insertImages(
  tx: Prisma.TransactionClient,
  datasetId: string,
  itemIds: Map<string, string>,
  images: ImageRow[],
  firstPosition: number,
): Promise<void> {
  let position = firstPosition;
  for (const part of chunks(images)) {
    const positions = part.map(() => position++);
    await tx.$executeRaw`INSERT INTO "Image" ("id", "datasetId", "itemId", "externalId", "position", "uri", "contentHash")
      SELECT id, ${datasetId}, item, external, position, uri, hash FROM unnest(
        ${part.map(() => randomUUID())}::text[], ${part.map((image) => itemIds.get(image.item)!)}::text[], ${part.map((image) => image.id)}::text[],
        ${positions}::int[], ${part.map((image) => image.uri)}::text[], ${part.map((image) => image.contentHash)}::text[]
      ) AS t(id, item, external, position, uri, hash)`;
  }
}

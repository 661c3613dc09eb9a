// Writes a dataset's rows inside a transaction in batches: its categories and tags, then items with their tags, then images.
import type { Prisma } from '../generated/prisma/client.js';
import { tagKey, type ItemSpec } from '../metric/dataset.js';
import type { Taxonomy } from './taxonomy.js';

/** Rows per INSERT: at 4,000 a 100,000-image import's RSS peaked ~225 MB higher (Prisma's per-statement buffers). */
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
export async function insertItems(tx: Prisma.TransactionClient, datasetId: string, tagIds: Map<string, string>, items: ItemSpec[], firstPosition: number): Promise<Map<string, string>> {
  const itemIds = new Map<string, string>();
  let position = firstPosition;
  for (const part of chunks(items)) {
    const rows = await tx.item.createManyAndReturn({
      data: part.map((item) => ({ datasetId, externalId: item.id, position: position++ })),
      select: { id: true, externalId: true },
    });
    for (const row of rows) itemIds.set(row.externalId, row.id);
    const itemTags = part.flatMap((item) => item.tags.map((tag, i) => ({ itemId: itemIds.get(item.id)!, tagId: tagIds.get(tagKey(tag.category, tag.name))!, position: i })));
    for (const links of chunks(itemTags)) await tx.itemTag.createMany({ data: links });
  }
  return itemIds;
}

/** Stores images (positions from `firstPosition`) of items stored before. */
export async function insertImages(tx: Prisma.TransactionClient, datasetId: string, itemIds: Map<string, string>, images: ImageRow[], firstPosition: number): Promise<void> {
  let position = firstPosition;
  for (const part of chunks(images)) {
    await tx.image.createMany({
      data: part.map((image) => ({ datasetId, itemId: itemIds.get(image.item)!, externalId: image.id, position: position++, uri: image.uri, contentHash: image.contentHash })),
    });
  }
}

// A dataset's images as the gallery shows them: paged and searched in dataset order, or looked up by id, with their items' tags.
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import type { Tag } from '../metric/dataset.js';

/** An image with what a client shows of it and what a thumbnail needs to read it. */
export interface GalleryImage {
  /** Database id. */
  id: string;
  /** The manifest's image id. */
  name: string;
  /** The manifest's item id. */
  itemId: string;
  /** The item's tags in manifest order. */
  tags: Tag[];
  uri: string;
  /** The folder relative uris are read in (the manifest's). */
  rootDir: string;
  contentHash: string | null;
}

const SELECT = {
  id: true,
  externalId: true,
  uri: true,
  contentHash: true,
  dataset: { select: { rootDir: true } },
  item: {
    select: {
      externalId: true,
      tags: { orderBy: { position: 'asc' }, select: { tag: { select: { name: true, category: { select: { name: true } } } } } },
    },
  },
} satisfies Prisma.ImageSelect;

type ImageRow = Prisma.ImageGetPayload<{ select: typeof SELECT }>;

function galleryImage(row: ImageRow): GalleryImage {
  return {
    id: row.id,
    name: row.externalId,
    itemId: row.item.externalId,
    tags: row.item.tags.map(({ tag }) => ({ category: tag.category.name, name: tag.name })),
    uri: row.uri,
    rootDir: row.dataset.rootDir,
    contentHash: row.contentHash,
  };
}

export class ImageCatalog {
  constructor(private readonly prisma: PrismaClient) {}

  /** The dataset's images, or those whose image id, item id or tag names contain `search` (case-insensitive). */
  private where(datasetId: string, search: string | null | undefined): Prisma.ImageWhereInput {
    const text = search?.trim();
    if (!text) return { datasetId };
    // Prisma passes `contains` to ILIKE as it is: its wildcards (and the escape character) are escaped to be taken literally.
    const contains = { contains: text.replace(/[\\%_]/g, (c) => `\\${c}`), mode: 'insensitive' } as const;
    return {
      datasetId,
      OR: [{ externalId: contains }, { item: { externalId: contains } }, { item: { tags: { some: { tag: { name: contains } } } } }],
    };
  }

  /** How many images match. */
  count(datasetId: string, search: string | null | undefined): Promise<number> {
    return this.prisma.image.count({ where: this.where(datasetId, search) });
  }

  /** A window of the matching images in dataset order. */
  async page(datasetId: string, search: string | null | undefined, window: { skip: number; take: number }): Promise<GalleryImage[]> {
    const rows = await this.prisma.image.findMany({
      where: this.where(datasetId, search),
      orderBy: { position: 'asc' },
      ...window,
      select: SELECT,
    });
    return rows.map(galleryImage);
  }

  /** The dataset's images with these manifest image ids, in the order given (ids not found are left out). */
  async byNames(datasetId: string, names: string[]): Promise<GalleryImage[]> {
    const rows = await this.prisma.image.findMany({ where: { datasetId, externalId: { in: names } }, select: SELECT });
    const byName = new Map(rows.map((row) => [row.externalId, row]));
    return names.flatMap((name) => (byName.has(name) ? [galleryImage(byName.get(name)!)] : []));
  }

  /** The images with these database ids, in the order given (ids not found are left out). */
  async byIds(ids: string[]): Promise<GalleryImage[]> {
    const rows = await this.prisma.image.findMany({ where: { id: { in: ids } }, select: SELECT });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.flatMap((id) => (byId.has(id) ? [galleryImage(byId.get(id)!)] : []));
  }
}

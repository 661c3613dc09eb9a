// A generated 1,000-row product catalogue with awkward cases and planted defects, its orders, and the manifest a person would write for it.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { categoryWeightsFromOrders, type Order } from '../../src/metric/categoryWeights.js';
import type { DatasetManifest, Tag } from '../../src/metric/dataset.js';
import { createRng } from '../../src/metric/random.js';

export const CATALOGUE_ROWS = 1000;
const COLOURS: Record<string, [number, number, number]> = {
  Navy: [20, 30, 110],
  Red: [200, 30, 40],
  White: [240, 240, 240],
  Green: [40, 160, 60],
};
const CATEGORIES = ['Shirts, casual', 'Trousers', 'Kjoler', 'Jackets'];
const BRANDS = ['Acme', 'Björk & Søn', '日本製', 'Zeta'];
const NAMES = ['Chemise, rouge', 'Øl "classic" tee', 'Пальто', 'Plain item'];

/** Row indexes (0-based, after the header) of the planted defects. */
export const PLANTED = {
  /** Repeats the id of row 10. */
  duplicateId: 100,
  /** Names an image file that does not exist. */
  missingImage: 200,
  /** Has an empty image cell. */
  noImage: 300,
  /** Have every tag cell empty (stored, reported). */
  untagged: [400, 401],
  /** Names a file that is not an image. */
  corruptImage: 500,
  /** Has the colour "navy " where the others have "Navy". */
  nearDuplicate: 600,
  /** Names the image of row 699 (stored, reported). */
  sharedImage: 700,
} as const;

/** The CSV line of a row (the header is line 1; no value holds a line break). */
export const lineOf = (row: number) => row + 2;

export interface CatalogueFixture {
  csv: string;
  orders: string;
  /** The manifest of the good rows, written from the generator's own data (not from the CSV). */
  manifest: DatasetManifest;
  ordersList: Order[];
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

async function writePng(path: string, rgb: [number, number, number], seed: number): Promise<void> {
  const rng = createRng(seed);
  const pixels = Buffer.alloc(16 * 16 * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.max(0, Math.min(255, rgb[i % 3] + rng.int(61) - 30));
  await sharp(pixels, { raw: { width: 16, height: 16, channels: 3 } })
    .png()
    .toFile(path);
}

/** Writes images/ and catalogue.csv, orders.csv into dir. */
export async function writeCatalogueFixture(dir: string): Promise<CatalogueFixture> {
  const rng = createRng(21);
  await mkdir(join(dir, 'images'), { recursive: true });
  const lines = ['product_id,name,image,colour,category,brand,price'];
  const manifest: DatasetManifest = { name: 'catalogue', categoryWeights: {}, items: [], images: [] };
  const writes: Promise<void>[] = [];
  for (let row = 0; row < CATALOGUE_ROWS; row++) {
    const id = row === PLANTED.duplicateId ? 'SKU-0010' : `SKU-${String(row).padStart(4, '0')}`;
    const colourNames = Object.keys(COLOURS);
    const colours = row % 9 === 4 ? [colourNames[row % 4], colourNames[(row + 1) % 4]] : [colourNames[rng.int(4)]];
    const category = CATEGORIES[rng.int(4)];
    const brand = row % 11 === 3 ? '' : BRANDS[rng.int(4)];
    const untagged = (PLANTED.untagged as readonly number[]).includes(row);
    const images =
      row === PLANTED.sharedImage
        ? ['images/p699.png']
        : row % 7 === 0
          ? [`images/p${row}.png`, `images/p${row}b.png`]
          : [`images/p${row}.png`];
    if (row !== PLANTED.missingImage && row !== PLANTED.corruptImage && row !== PLANTED.sharedImage)
      images.forEach((uri, k) => writes.push(writePng(join(dir, uri), COLOURS[colours[0]], row * 2 + k)));
    if (row === PLANTED.corruptImage) writes.push(writeFile(join(dir, images[0]), 'not an image'));
    const colourCell = untagged ? '' : row === PLANTED.nearDuplicate ? 'navy ' : colours.join('|');
    const cells = [
      id,
      `${NAMES[row % 4]} ${row}`,
      row === PLANTED.noImage ? '' : images.join('|'),
      colourCell,
      untagged ? '' : category,
      untagged ? '' : brand,
      (row * 1.25).toFixed(2),
    ];
    lines.push(cells.map(csvField).join(','));
    const bad = row === PLANTED.duplicateId || row === PLANTED.missingImage || row === PLANTED.noImage || row === PLANTED.corruptImage;
    if (bad) continue;
    const tags: Tag[] = untagged
      ? []
      : [
          ...(row === PLANTED.nearDuplicate ? ['navy'] : colours).map((name) => ({ category: 'Colour', name })),
          { category: 'Category', name: category },
          ...(brand ? [{ category: 'Brand', name: brand }] : []),
        ];
    manifest.items.push({ id, tags });
    images.forEach((uri, k) => manifest.images.push({ id: `${id}#${k + 1}`, item: id, uri }));
  }
  await Promise.all(writes);
  const ordersList: Order[] = [];
  for (let user = 0; user < 30; user++) {
    for (let n = 0; n < 12 + (user % 5); n++)
      ordersList.push({ user: `u${user}`, item: manifest.items[(user * 37 + n * (user % 3 === 0 ? 4 : 97)) % manifest.items.length].id });
  }
  manifest.categoryWeights = categoryWeightsFromOrders(manifest, ordersList).categoryWeights;
  const csv = join(dir, 'catalogue.csv');
  await writeFile(csv, `${lines.join('\n')}\n`);
  const orders = join(dir, 'orders.csv');
  await writeFile(orders, `user_id,item_id\n${ordersList.map((o) => `${o.user},${o.item}`).join('\n')}\n`);
  return { csv, orders, manifest, ordersList };
}

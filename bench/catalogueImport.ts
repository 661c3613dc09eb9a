// Peak memory and wall time of a catalogue import of 1,000,000 rows (screen, image check, tally, weights, batched store), then its idempotent re-import.
//
// Usage: npm run bench -- catalogue [--rows 1000000] [--check-images 0]
// The catalogue (cached under bench/.data/catalogue-<rows>) is a CSV of one item per row: a quoted name with a comma,
// two images (one of 200 small PNG files, read and hashed when stored, and an https URL of its own, so every row adds
// a distinct image uri to remember), a colour (every fifth multi-valued), a category and a brand; the orders are 20
// per user for 2,000 users. The URLs cannot be fetched here, so images are checked only when --check-images is given
// (which then fails on them). The import runs in this process against a fresh database on the test server; VmRSS is
// sampled every 100 ms per phase and VmHWM is the kernel's peak over the whole process.
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import sharp from 'sharp';
import { createTestDatabase } from '../test/support/testDatabase.js';
import { importCatalogue, type CatalogueImportOptions } from '../src/importers/catalogue/catalogueImport.js';
import { DATA_DIR } from './benchData.js';
import { benchCli, loadLine, machineLine } from './benchCli.js';
import { RssSampler } from './rssSampler.js';

const LIMIT_MIB = 1024;
const IMAGE_FILES = 200;
const COLOURS = ['Navy', 'Red', 'White', 'Green', 'Black', 'Beige', 'Grey', 'Pink'];
const CATEGORIES = ['Shirts', 'Trousers', 'Dresses', 'Jackets', 'Shoes', 'Bags'];
const cli = benchCli('bench catalogue');
const { values } = cli.args({ options: { rows: { type: 'string' }, 'check-images': { type: 'string' } } });
const rows = cli.positiveInt('rows', values.rows, 1_000_000);
const checkImages = values['check-images'] === undefined ? 0 : cli.positiveInt('check-images', values['check-images'], 1);
const command = `npm run bench -- catalogue --rows ${rows}${checkImages === 0 ? '' : ` --check-images ${checkImages}`}`;

/** Writes lines through a stream, waiting whenever its buffer is full. */
async function writeLines(path: string, count: number, line: (i: number) => string): Promise<void> {
  const out = createWriteStream(`${path}.part`);
  for (let i = 0; i < count; i++) if (!out.write(line(i))) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  await rename(`${path}.part`, path);
}

async function ensureCatalogue(dir: string): Promise<{ catalogue: string; orders: string }> {
  const catalogue = join(dir, 'catalogue.csv');
  const orders = join(dir, 'orders.csv');
  if (existsSync(catalogue) && existsSync(orders)) return { catalogue, orders };
  await mkdir(join(dir, 'images'), { recursive: true });
  for (let i = 0; i < IMAGE_FILES; i++) {
    await sharp({ create: { width: 16, height: 16, channels: 3, background: { r: i, g: 255 - i, b: (i * 7) % 256 } } })
      .png()
      .toFile(join(dir, 'images', `${i}.png`));
  }
  await writeLines(catalogue, rows + 1, (i) => {
    if (i === 0) return 'sku,name,image,image_url,colour,category,brand\n';
    const n = i - 1;
    const colour = n % 5 === 0 ? `${COLOURS[n % 8]}|${COLOURS[(n + 3) % 8]}` : COLOURS[(n * 7) % 8];
    return `SKU-${n},"Item ${n}, size ${n % 9}",images/${n % IMAGE_FILES}.png,https://cdn.example.com/sku/${n}.jpg,${colour},${CATEGORIES[n % 6]},Brand ${n % 500}\n`;
  });
  // Each user orders from a few categories and brands: item numbers near the user's own, spread by a small stride.
  await writeLines(orders, 2000 * 20 + 1, (i) =>
    i === 0 ? 'user,item\n' : `u${(i - 1) % 2000},SKU-${(((i - 1) % 2000) * 4999 + Math.floor((i - 1) / 2000) * 6) % rows}\n`,
  );
  return { catalogue, orders };
}

const rss = new RssSampler(100);
console.log(
  `bench catalogue: ${rows.toLocaleString('en-US')} rows of two images, ${checkImages === 0 ? 'images not checked' : `${checkImages} images checked`}`,
);
console.log(machineLine());
console.log(`start: ${loadLine()}\n`);
rss.enter('generate catalogue (once, cached)');
const files = await ensureCatalogue(join(DATA_DIR, `catalogue-2images-${rows}`));
const db = await createTestDatabase();
try {
  const options: CatalogueImportOptions = {
    catalogue: files.catalogue,
    orders: files.orders,
    mapping: { id: 'sku', images: ['image', 'image_url'], tags: ['colour', 'category', 'brand'], tagDelimiter: '|' },
    checkImages,
    skipInvalid: false,
    dryRun: false,
    s3Roots: null,
  };
  const first = await rss.timed('import (screen, check, tally, store)', () => importCatalogue(db.prisma, options));
  const second = await rss.timed('re-import (same file)', () => importCatalogue(db.prisma, options));
  rss.stop();
  if (first.status !== 'stored' || first.dataset === null)
    cli.fail(`import ${first.status}: ${first.report.badRowCount} bad rows, ${first.report.ordersError ?? ''}`);
  const [items, images, datasets] = await Promise.all([db.prisma.item.count(), db.prisma.image.count(), db.prisma.dataset.count()]);
  if (items !== rows || images !== 2 * rows) cli.fail(`${items} items and ${images} images stored for ${rows} rows`);
  if (second.status !== 'reused' || datasets !== 1) cli.fail(`re-import ${second.status}, ${datasets} datasets`);

  const hwm = rss.highWaterMark();
  console.log(rss.table());
  const weights = Object.entries(first.report.weights?.categoryWeights ?? {})
    .map(([c, w]) => `${c} ${w.toFixed(3)}`)
    .join(', ');
  console.log(
    `\nstored ${items.toLocaleString('en-US')} items and ${images.toLocaleString('en-US')} images; weights ${weights}; re-import: ${second.status}, ${datasets} dataset`,
  );
  console.log(
    `peak RSS of the process (VmHWM): ${hwm.toFixed(0)} MiB (target <= ${LIMIT_MIB} MiB: ${hwm <= LIMIT_MIB ? 'MET' : 'MISSED'})`,
  );
  console.log(`end: ${loadLine()}`);
  console.log(`\nreproduce: ${command}`);
} finally {
  await db.close();
}

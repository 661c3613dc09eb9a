// Imports a product catalogue as a dataset: screens every row, checks images, tallies tags, weighs categories from orders, then stores in batches.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { UserInputError } from '../../errors.js';
import type { Dataset, PrismaClient } from '../../generated/prisma/client.js';
import { OrderTagIndex } from '../../metric/categoryWeights.js';
import { readOrders, weighOrders, type NumberedOrder } from './catalogueOrders.js';
import { RowScreen, RowTally, type CatalogueReport, type ImageCheckReport } from './catalogueReport.js';
import { catalogueRow, type CatalogueRow, type RowContext } from './catalogueRows.js';
import { storeCatalogue } from './catalogueStore.js';
import { completeMapping, type ColumnMapping, type PartialMapping } from './columnMapping.js';
import { checkImages, ImageSample } from './imageCheck.js';
import { openTable, type TableFormat, type TableRow } from './tableReader.js';

export interface CatalogueImportOptions {
  /** Absolute path of the catalogue file; local image paths are relative to its folder. */
  catalogue: string;
  /** csv, tsv, jsonl or parquet (default: from the extension). */
  format?: string;
  mapping: PartialMapping;
  /** Dataset name (default: the file's name without its extension). */
  name?: string;
  /** Orders export (user id, item id) for the category weights. */
  orders?: string;
  ordersFormat?: string;
  /** Users need more orders than this to count (default 10, as `corrembed weights`). */
  minOrders?: number;
  /** Orders of items the catalogue does not have are skipped instead of reported (those of skipped rows always are). */
  ignoreUnknownItems?: boolean;
  /** Images to read and decode before storing: all, a random sample of N, or 0 for none. */
  checkImages: number | 'all';
  /** Store the good rows when some are bad (else nothing is stored). */
  skipInvalid: boolean;
  dryRun: boolean;
  /** Where s3:// images may lie (imports through the API); null: anywhere. */
  s3Roots: readonly string[] | null;
  onProgress?: (stage: 'rows' | 'images', done: number, total: number | null) => void;
}

export const CATALOGUE_IMPORT_STATUSES = ['dry-run', 'stored', 'reused', 'rejected'] as const;
export type CatalogueImportStatus = (typeof CATALOGUE_IMPORT_STATUSES)[number];

export interface CatalogueImportResult {
  status: CatalogueImportStatus;
  report: CatalogueReport;
  /** The stored (or, for a re-import of the same files, the existing) dataset; null for a dry run or a rejected import. */
  dataset: Dataset | null;
}

/** Mapping inferred from this many first rows. */
const INFERENCE_ROWS = 1000;
/** Rows between two progress calls. */
const PROGRESS_ROWS = 10_000;

async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new UserInputError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'NOT_FOUND');
  }
  return hash.digest('hex');
}

/** The mapping, completed from the first rows. */
async function resolveMapping(
  options: CatalogueImportOptions,
): Promise<{ mapping: ColumnMapping; inferred: string[]; format: TableFormat }> {
  const table = await openTable(options.catalogue, options.format);
  const sample: TableRow[] = [];
  for await (const row of table.rows) if (sample.push(row) >= INFERENCE_ROWS) break;
  return { ...completeMapping(table.columns, sample, options.mapping), format: table.format };
}

/** One pass over the catalogue's rows as items. */
async function* catalogueRows(options: CatalogueImportOptions, context: RowContext): AsyncGenerator<CatalogueRow> {
  const table = await openTable(options.catalogue, options.format);
  let n = 0;
  for await (const row of table.rows) {
    yield catalogueRow(row, context);
    if (++n % PROGRESS_ROWS === 0) options.onProgress?.('rows', n, null);
  }
}

/** Identifies an import: the same files, mapping and options give the same dataset. */
function sourceHash(parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** First pass: every row's problems and duplicates, and the images to check; then the check, whose failures are bad rows. */
async function screenCatalogue(options: CatalogueImportOptions, context: RowContext) {
  const screen = new RowScreen();
  const sample = new ImageSample(options.checkImages === 'all' ? 'all' : options.checkImages);
  for await (const row of catalogueRows(options, context)) {
    screen.add(row);
    if (!screen.badLines.has(row.line) && options.checkImages !== 0)
      for (const uri of row.images) sample.add({ line: row.line, item: row.id, uri });
  }
  const unreadable = await checkImages(sample.refs, context.rootDir, (done, total) => options.onProgress?.('images', done, total));
  for (const image of unreadable) screen.reject(image.line, `image ${image.uri} cannot be read: ${image.reason}`);
  const mode: ImageCheckReport['mode'] = options.checkImages === 0 ? 'none' : sample.refs.length === sample.seen ? 'all' : 'sample';
  return { screen, imageCheck: { mode, checked: sample.refs.length, total: sample.seen, unreadable } };
}

/** Second pass: the good rows' tags, and the category weights from the orders over them. */
async function tallyCatalogue(options: CatalogueImportOptions, context: RowContext, screen: RowScreen, orders: NumberedOrder[] | null) {
  const tally = new RowTally(context.mapping);
  const ordered = new Set(orders?.map((o) => o.item));
  const index = new OrderTagIndex([]);
  const skippedItems = new Set<string>();
  for await (const row of catalogueRows(options, context)) {
    if (screen.badLines.has(row.line)) {
      if (ordered.has(row.id)) skippedItems.add(row.id);
      continue;
    }
    tally.add(row);
    index.add({ id: row.id, tags: row.tags }, ordered.has(row.id));
  }
  const weighing =
    orders === null || options.orders === undefined
      ? { weights: null, ordersError: null }
      : weighOrders(options.orders, orders, index, skippedItems, options);
  return { tally, ...weighing };
}

export async function importCatalogue(prisma: PrismaClient | null, options: CatalogueImportOptions): Promise<CatalogueImportResult> {
  if (prisma === null && !options.dryRun) throw new UserInputError('a catalogue can only be stored with a database');
  const name = options.name ?? basename(options.catalogue, extname(options.catalogue));
  if (name.trim() === '') throw new UserInputError('dataset name must not be empty');
  const [digest, ordersDigest, { mapping, inferred, format }] = await Promise.all([
    fileDigest(options.catalogue),
    options.orders === undefined ? null : fileDigest(options.orders),
    resolveMapping(options),
  ]);
  const orders = options.orders === undefined ? null : await readOrders(options.orders, options.ordersFormat);
  const context: RowContext = { mapping, rootDir: dirname(options.catalogue), s3Roots: options.s3Roots };
  const { screen, imageCheck } = await screenCatalogue(options, context);
  const { tally, weights, ordersError } = await tallyCatalogue(options, context, screen, orders);
  // What the stored dataset depends on; whether bad rows may be skipped does not change what is stored.
  const hash = sourceHash([
    digest,
    format,
    mapping,
    ordersDigest,
    options.ordersFormat ?? null,
    options.minOrders ?? null,
    options.ignoreUnknownItems === true,
    name,
  ]);
  const existing = prisma === null ? null : await prisma.dataset.findFirst({ where: { sourceHash: hash }, orderBy: { createdAt: 'asc' } });
  const latest = prisma === null ? null : await prisma.dataset.aggregate({ where: { name }, _max: { version: true } });
  const report: CatalogueReport = {
    file: options.catalogue,
    format,
    mapping,
    inferred,
    rowsRead: screen.rowsRead,
    items: tally.items,
    images: tally.images,
    badRowCount: screen.badLines.size,
    badRows: screen.sortedBadRows(),
    duplicateIdCount: screen.duplicateIdCount,
    duplicateIds: screen.duplicateIds,
    rowsWithoutImage: screen.rowsWithoutImage,
    rowsWithoutTags: tally.rowsWithoutTags,
    sharedImageCount: screen.sharedImageCount,
    sharedImages: screen.sharedImages,
    categories: tally.categories(),
    nearDuplicateTags: tally.nearDuplicates(),
    imageCheck,
    weights,
    ordersError,
    dataset: {
      name,
      version: existing?.version ?? (latest?._max.version ?? 0) + 1,
      items: tally.items,
      images: tally.images,
      categoryWeights: weights?.categoryWeights ?? {},
      existingId: existing?.id ?? null,
    },
  };
  if (options.dryRun) return { status: 'dry-run', report, dataset: null };
  if (ordersError !== null || (report.badRowCount > 0 && !options.skipInvalid) || tally.items === 0)
    return { status: 'rejected', report, dataset: null };
  if (existing) return { status: 'reused', report, dataset: existing };
  const { dataset, reused } = await storeCatalogue(prisma!, {
    hash,
    name,
    manifestPath: options.catalogue,
    rootDir: context.rootDir,
    categoryWeights: report.dataset.categoryWeights,
    categories: report.categories.map((c) => c.name),
    tags: tally.tags(),
    rows: (async function* () {
      for await (const row of catalogueRows(options, context)) if (!screen.badLines.has(row.line)) yield row;
    })(),
  });
  report.dataset.version = dataset.version;
  report.dataset.existingId = reused ? dataset.id : null;
  return { status: reused ? 'reused' : 'stored', report, dataset };
}

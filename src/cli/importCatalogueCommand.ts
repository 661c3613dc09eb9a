// `corrembed import-catalogue`: a product catalogue (CSV, TSV, JSON Lines, Parquet) validated, reported and stored as a dataset.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { openDatabase } from '../db/database.js';
import { resolveDatabaseUrl } from '../db/databaseSecret.js';
import { UserInputError } from '../errors.js';
import { readJsonFile } from '../io/jsonFile.js';
import { importCatalogue, type CatalogueImportOptions } from '../importers/catalogue/catalogueImport.js';
import { mergeMappings, parseMappingJson, type PartialMapping } from '../importers/catalogue/columnMapping.js';
import { renderReport } from '../importers/catalogue/reportText.js';
import { importCatalogueOverGraphql, type RemoteImport } from './catalogueOverGraphql.js';
import { endpointFrom } from './graphqlClient.js';

export const IMPORT_CATALOGUE_USAGE = `usage: corrembed import-catalogue --catalogue <file> [mapping] [--orders <file>] [--name <name>] [--check-images all|N]
                                  [--skip-invalid] [--dry-run] [--json]

  --catalogue             .csv, .tsv, .jsonl or .parquet, one row per item (--format csv|tsv|jsonl|parquet overrides
                          the extension); local image paths are relative to its folder (see docs/data.md)
  mapping (any part left out is inferred from the first rows, and the whole mapping printed):
  --mapping <file.json>   { "id", "images": [...], "imageDelimiter", "tags": [...], "tagDelimiter", "rename": {...}, "drop": [...] }
  --id <column>           the item id column
  --image <column>        an image column (repeatable, in image order); --image-delimiter "|" splits a multi-valued one
  --tag <column>          a tag column, its name the category (repeatable); --tag-delimiter "|" splits "red|white"
  --rename <col=Category> name a tag column's category (repeatable); --drop <column> leaves a column out (repeatable)
  --orders <file>         orders export: user id, item id (columns named so, else the first two; CSV, TSV, JSON Lines, Parquet):
                          category weights as \`corrembed weights\` computes them, stored with the dataset
                          (--min-orders 10, --ignore-unknown-items, --orders-format as for --catalogue)
  --check-images          read and decode all images (default) or a random sample of N (0: none) before storing
  --skip-invalid          store the good rows when some are bad (default: store nothing, exit 2)
  --dry-run               print the report only; no database needed
  --json                  print { "status", "datasetId", "report" } on stdout
  database: DATABASE_URL (or the embedded one under CORREMBED_DATA_DIR), as \`corrembed serve\`; or, with
  --url <graphql url> [--key <admin key>] (default CORREMBED_API_KEY), the running platform imports the files
  (which must lie under its CORREMBED_DATA_ROOTS)`;

function checkImagesFlag(value: string): number | 'all' {
  if (value === 'all') return 'all';
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UserInputError(`--check-images must be "all" or a non-negative integer (got "${value}")`);
  return n;
}

function renameFlags(values: string[] | undefined): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  return Object.fromEntries(
    values.map((value) => {
      const at = value.indexOf('=');
      if (at <= 0 || at === value.length - 1) throw new UserInputError(`--rename must be <column>=<category> (got "${value}")`);
      return [value.slice(0, at), value.slice(at + 1)];
    }),
  );
}

/** A progress bar on a terminal, a line every 10% elsewhere. */
function progress(stage: string, done: number, total: number | null): void {
  if (total === null) {
    if (process.stderr.isTTY) process.stderr.write(`\r${stage}: ${done} rows`);
    return;
  }
  const width = 30;
  const bar = `${stage} [${'#'.repeat(Math.round((done / total) * width)).padEnd(width, '.')}] ${done}/${total}`;
  if (process.stderr.isTTY) process.stderr.write(`\r${bar}${done === total ? '\n' : ''}`);
  else if (done === total || Math.floor((done * 10) / total) > Math.floor(((done - 1) * 10) / total)) process.stderr.write(`${bar}\n`);
}

async function run(options: CatalogueImportOptions): Promise<RemoteImport> {
  if (options.dryRun) return importCatalogue(null, options);
  const config = loadConfig(process.env);
  const databaseUrl = await resolveDatabaseUrl(config);
  const db = await openDatabase({ databaseUrl, dataDir: join(config.dataDir, 'pg'), poolSize: 2, log: (line) => process.stderr.write(`${line}\n`) });
  try {
    return await importCatalogue(db.prisma, options);
  } finally {
    await db.close();
  }
}

export async function importCatalogueCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      catalogue: { type: 'string' },
      format: { type: 'string' },
      mapping: { type: 'string' },
      id: { type: 'string' },
      image: { type: 'string', multiple: true },
      'image-delimiter': { type: 'string' },
      tag: { type: 'string', multiple: true },
      'tag-delimiter': { type: 'string' },
      rename: { type: 'string', multiple: true },
      drop: { type: 'string', multiple: true },
      name: { type: 'string' },
      orders: { type: 'string' },
      'orders-format': { type: 'string' },
      'min-orders': { type: 'string' },
      'ignore-unknown-items': { type: 'boolean', default: false },
      'check-images': { type: 'string', default: 'all' },
      'skip-invalid': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      url: { type: 'string' },
      key: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return void console.log(IMPORT_CATALOGUE_USAGE);
  if (!values.catalogue) throw new UserInputError('--catalogue <file> is required');
  const minOrders = values['min-orders'] === undefined ? undefined : Number(values['min-orders']);
  if (minOrders !== undefined && (!Number.isInteger(minOrders) || minOrders < 0)) throw new UserInputError('--min-orders must be a non-negative integer');
  const fromFile: PartialMapping = values.mapping ? parseMappingJson(await readJsonFile(values.mapping, 'mapping')) : {};
  const fromFlags: PartialMapping = {
    id: values.id,
    images: values.image,
    imageDelimiter: values['image-delimiter'],
    tags: values.tag,
    tagDelimiter: values['tag-delimiter'],
    rename: renameFlags(values.rename),
    drop: values.drop,
  };
  const options: CatalogueImportOptions = {
    catalogue: resolve(values.catalogue),
    format: values.format,
    mapping: mergeMappings(fromFile, fromFlags),
    name: values.name,
    orders: values.orders === undefined ? undefined : resolve(values.orders),
    ordersFormat: values['orders-format'],
    minOrders,
    ignoreUnknownItems: values['ignore-unknown-items'],
    checkImages: checkImagesFlag(values['check-images']),
    skipInvalid: values['skip-invalid'],
    dryRun: values['dry-run'],
    s3Roots: null,
    onProgress: (stage, done, total) => progress(stage === 'images' ? 'checking images' : 'reading', done, total),
  };
  const result = values.url === undefined ? await run(options) : await importCatalogueOverGraphql(endpointFrom(values), options);
  const { report, dataset, status } = result;
  console.log(values.json ? JSON.stringify({ status, datasetId: dataset?.id ?? null, report }) : renderReport(report));
  if (status === 'rejected') {
    const why = report.ordersError ?? (report.items === 0 ? 'no good rows' : `${report.badRowCount} bad row${report.badRowCount > 1 ? 's' : ''}`);
    throw new UserInputError(`${why}: nothing stored${report.ordersError || report.items === 0 ? '' : ' (fix them, or pass --skip-invalid to store the good rows)'}`);
  }
  if (!values.json && dataset) console.log(`${status === 'reused' ? 'already imported' : 'stored'}: dataset ${dataset.id}  ${dataset.name} (version ${dataset.version})`);
}

// `corrembed import-catalogue`: a product catalogue (CSV, TSV, JSON Lines, Parquet) validated, reported and stored as a dataset.
import { resolve } from 'node:path';
import type { PlatformConfig } from '../config.js';
import { configureProcess } from '../config/applyConfig.js';
import { UserInputError } from '../errors.js';
import { readJsonFile } from '../io/jsonFile.js';
import { importCatalogue, type CatalogueImportOptions } from '../importers/catalogue/catalogueImport.js';
import { mergeMappings, parseMappingJson, type PartialMapping } from '../importers/catalogue/columnMapping.js';
import { renderReport } from '../importers/catalogue/reportText.js';
import { importCatalogueOverGraphql, type RemoteImport } from './catalogueOverGraphql.js';
import { IMPORT_CATALOGUE, parseCommand } from './commandSpecs.js';
import { endpointFrom } from './graphqlClient.js';

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

async function run(options: CatalogueImportOptions, config: PlatformConfig): Promise<RemoteImport> {
  if (options.dryRun) return importCatalogue(null, options);
  // The services (Prisma among them) load once the arguments are checked: a usage error answers at once.
  const { composeServices } = await import('../services.js');
  const services = await composeServices(config, 'command', (line) => process.stderr.write(`${line}\n`));
  try {
    return await importCatalogue(services.prisma, options);
  } finally {
    await services.close();
  }
}

export async function importCatalogueCommand(argv: string[]): Promise<void> {
  const { values } = parseCommand(IMPORT_CATALOGUE, argv);
  const config = configureProcess();
  if (!values.catalogue) throw new UserInputError('--catalogue <file> is required');
  const minOrders = values['min-orders'] === undefined ? undefined : Number(values['min-orders']);
  if (minOrders !== undefined && (!Number.isInteger(minOrders) || minOrders < 0))
    throw new UserInputError('--min-orders must be a non-negative integer');
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
  const result = values.url === undefined ? await run(options, config) : await importCatalogueOverGraphql(endpointFrom(values), options);
  const { report, dataset, status } = result;
  console.log(values.json ? JSON.stringify({ status, datasetId: dataset?.id ?? null, report }) : renderReport(report));
  if (status === 'rejected') {
    const why =
      report.ordersError ?? (report.items === 0 ? 'no good rows' : `${report.badRowCount} bad row${report.badRowCount > 1 ? 's' : ''}`);
    throw new UserInputError(
      `${why}: nothing stored${report.ordersError || report.items === 0 ? '' : ' (fix them, or pass --skip-invalid to store the good rows)'}`,
    );
  }
  if (!values.json && dataset)
    console.log(
      `${status === 'reused' ? 'already imported' : 'stored'}: dataset ${dataset.id}  ${dataset.name} (version ${dataset.version})`,
    );
}

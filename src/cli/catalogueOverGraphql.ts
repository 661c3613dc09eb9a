// import-catalogue against a running platform: the importCatalogue mutation, its typed report turned back into the command's.
import type { CatalogueImportOptions, CatalogueImportStatus } from '../importers/catalogue/catalogueImport.js';
import type { CatalogueReport } from '../importers/catalogue/catalogueReport.js';
import { graphql, type Endpoint } from './graphqlClient.js';

const MUTATION = `mutation ($input: ImportCatalogueInput!) { importCatalogue(input: $input) {
  status dataset { id name version }
  report {
    file format inferred rowsRead items images badRowCount duplicateIdCount sharedImageCount ordersError
    mapping { id images imageDelimiter tags tagDelimiter rename { column category } }
    badRows { line reason } duplicateIds { id line firstLine } sharedImages { uri line firstLine }
    rowsWithoutImage { count lines } rowsWithoutTags { count lines }
    categories { name column distinctTags taggedItems tags { name count } }
    nearDuplicateTags { category spellings { name count } }
    imageCheck { mode checked total unreadable { line item uri reason } }
    weights { ordersFile usersUsed ordersUsed ordersSkipped categories { category weight distinctTags } }
    dataset { name version items images categoryWeights existingId }
  } } }`;

type Shaped = Omit<CatalogueReport, 'mapping' | 'weights'> & {
  mapping: Omit<CatalogueReport['mapping'], 'rename'> & { rename: { column: string; category: string }[] };
  weights: { ordersFile: string; usersUsed: number; ordersUsed: number; ordersSkipped: number; categories: { category: string; weight: number; distinctTags: number }[] } | null;
};

export interface RemoteImport {
  status: CatalogueImportStatus;
  report: CatalogueReport;
  dataset: { id: string; name: string; version: number } | null;
}

/** Sends the import to the platform at `endpoint`; the files must lie under its data roots. */
export async function importCatalogueOverGraphql(endpoint: Endpoint, options: Omit<CatalogueImportOptions, 'onProgress' | 's3Roots'>): Promise<RemoteImport> {
  const { mapping } = options;
  const input = {
    path: options.catalogue,
    format: options.format,
    mapping: { ...mapping, rename: mapping.rename && Object.entries(mapping.rename).map(([column, category]) => ({ column, category })) },
    name: options.name,
    ordersPath: options.orders,
    ordersFormat: options.ordersFormat,
    minOrders: options.minOrders,
    ignoreUnknownItems: options.ignoreUnknownItems,
    checkImages: options.checkImages === 'all' ? null : options.checkImages,
    skipInvalid: options.skipInvalid,
    dryRun: options.dryRun,
  };
  const data = await graphql<{ importCatalogue: { status: string; dataset: RemoteImport['dataset']; report: Shaped } }>(endpoint, MUTATION, { input });
  const { status, dataset, report } = data.importCatalogue;
  const weights = report.weights && {
    ordersFile: report.weights.ordersFile,
    usersUsed: report.weights.usersUsed,
    ordersUsed: report.weights.ordersUsed,
    ordersSkipped: report.weights.ordersSkipped,
    categoryWeights: Object.fromEntries(report.weights.categories.map((c) => [c.category, c.weight])),
    distinctTags: Object.fromEntries(report.weights.categories.map((c) => [c.category, c.distinctTags])),
  };
  return {
    status: (status === 'dry_run' ? 'dry-run' : status) as CatalogueImportStatus,
    dataset,
    report: { ...report, mapping: { ...report.mapping, rename: Object.fromEntries(report.mapping.rename.map((r) => [r.column, r.category])) }, weights },
  };
}

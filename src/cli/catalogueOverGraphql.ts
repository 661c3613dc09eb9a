// import-catalogue against a running platform: the importCatalogue mutation, its typed report turned back into the command's.
import { enumName, enumValue } from '../api/enumNames.js';
import {
  CATALOGUE_IMPORT_STATUSES,
  type CatalogueImportOptions,
  type CatalogueImportStatus,
} from '../importers/catalogue/catalogueImport.js';
import { IMAGE_CHECK_MODES, type CatalogueReport } from '../importers/catalogue/catalogueReport.js';
import { formatOf, TABLE_FORMATS } from '../importers/catalogue/tableReader.js';
import { QUIRKS } from '../metric/quirkNotices.js';
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
    weights { ordersFile usersUsed ordersUsed ordersSkipped categories { category weight distinctTags } notices { quirk count message } }
    dataset { name version items images categoryWeights { category weight } existingId }
  } } }`;

type WeightList = { category: string; weight: number }[];

type Shaped = Omit<CatalogueReport, 'format' | 'mapping' | 'weights' | 'imageCheck' | 'dataset'> & {
  format: string;
  mapping: Omit<CatalogueReport['mapping'], 'rename'> & { rename: { column: string; category: string }[] };
  imageCheck: Omit<CatalogueReport['imageCheck'], 'mode'> & { mode: string };
  weights: {
    ordersFile: string;
    usersUsed: number;
    ordersUsed: number;
    ordersSkipped: number;
    categories: (WeightList[number] & { distinctTags: number })[];
    notices: { quirk: string; count: number; message: string }[];
  } | null;
  dataset: Omit<CatalogueReport['dataset'], 'categoryWeights'> & { categoryWeights: WeightList };
};

const weightRecord = (list: WeightList): Record<string, number> => Object.fromEntries(list.map((c) => [c.category, c.weight]));

export interface RemoteImport {
  status: CatalogueImportStatus;
  report: CatalogueReport;
  dataset: { id: string; name: string; version: number } | null;
}

/** Sends the import to the platform at `endpoint`; the files must lie under its data roots. */
export async function importCatalogueOverGraphql(
  endpoint: Endpoint,
  options: Omit<CatalogueImportOptions, 'onProgress' | 's3Roots'>,
): Promise<RemoteImport> {
  const { mapping } = options;
  const input = {
    path: options.catalogue,
    format: options.format ? enumName(formatOf(options.catalogue, options.format)) : undefined,
    mapping: { ...mapping, rename: mapping.rename && Object.entries(mapping.rename).map(([column, category]) => ({ column, category })) },
    name: options.name,
    ordersPath: options.orders,
    ordersFormat: options.ordersFormat && options.orders ? enumName(formatOf(options.orders, options.ordersFormat)) : undefined,
    minOrders: options.minOrders,
    ignoreUnknownItems: options.ignoreUnknownItems,
    checkImages: options.checkImages === 'all' ? null : options.checkImages,
    skipInvalid: options.skipInvalid,
    dryRun: options.dryRun,
  };
  const data = await graphql<{ importCatalogue: { status: string; dataset: RemoteImport['dataset']; report: Shaped } }>(
    endpoint,
    MUTATION,
    { input },
  );
  const { status, dataset, report } = data.importCatalogue;
  const weights = report.weights && {
    ordersFile: report.weights.ordersFile,
    usersUsed: report.weights.usersUsed,
    ordersUsed: report.weights.ordersUsed,
    ordersSkipped: report.weights.ordersSkipped,
    categoryWeights: weightRecord(report.weights.categories),
    distinctTags: Object.fromEntries(report.weights.categories.map((c) => [c.category, c.distinctTags])),
    notices: report.weights.notices.map((n) => ({ ...n, quirk: enumValue(QUIRKS, n.quirk) })),
  };
  return {
    status: enumValue(CATALOGUE_IMPORT_STATUSES, status),
    dataset,
    report: {
      ...report,
      format: enumValue(TABLE_FORMATS, report.format),
      mapping: { ...report.mapping, rename: Object.fromEntries(report.mapping.rename.map((r) => [r.column, r.category])) },
      imageCheck: { ...report.imageCheck, mode: enumValue(IMAGE_CHECK_MODES, report.imageCheck.mode) },
      weights,
      dataset: { ...report.dataset, categoryWeights: weightRecord(report.dataset.categoryWeights) },
    },
  };
}

// The schema's enums: GraphQL's ALL_CAPS values stand for the lowercase values the services and Prisma use, each list
// kept once, where its values are defined.
import type { Resolvers } from '../../generated/graphql.js';
import { RunStatus } from '../../generated/prisma/client.js';
import { INTERPOLATIONS, LAYOUTS } from '../../imaging/recipe.js';
import {
  CORRELATIONS,
  OPTION_PRESETS,
  PRECISIONS,
  QUERY_SAMPLERS,
  REPRESENTATIVES,
  TAG_IDENTITIES,
  TAG_WEIGHTINGS,
  WEIGHT_ROUNDINGS,
} from '../../metric/options.js';
import { QUIRKS } from '../../metric/quirkNotices.js';
import { CATALOGUE_IMPORT_STATUSES } from '../../importers/catalogue/catalogueImport.js';
import { IMAGE_CHECK_MODES } from '../../importers/catalogue/catalogueReport.js';
import { TABLE_FORMATS } from '../../importers/catalogue/tableReader.js';
import { PROJECTION_METHODS } from '../../gallery/mapLayout.js';
import { SCOPES } from '../apiKeys.js';
import { enumName } from '../enumNames.js';

/** Each value under its ALL_CAPS name (graphql-tools refuses a name the schema's enum lacks, at start-up). */
function allCaps<V extends string>(values: readonly V[]): Record<string, V> {
  return Object.fromEntries(values.map((value) => [enumName(value), value]));
}

export const enumResolvers: Resolvers = {
  RunStatus: allCaps(Object.values(RunStatus)),
  Scope: allCaps(SCOPES),
  TagWeighting: allCaps(TAG_WEIGHTINGS),
  Representative: allCaps(REPRESENTATIVES),
  Correlation: allCaps(CORRELATIONS),
  Precision: allCaps(PRECISIONS),
  OptionPreset: allCaps(OPTION_PRESETS),
  TagIdentity: allCaps(TAG_IDENTITIES),
  WeightRounding: allCaps(WEIGHT_ROUNDINGS),
  QuerySampler: allCaps(QUERY_SAMPLERS),
  Quirk: allCaps(QUIRKS),
  CatalogueFormat: allCaps(TABLE_FORMATS),
  CatalogueImportStatus: allCaps(CATALOGUE_IMPORT_STATUSES),
  CatalogueImageCheckMode: allCaps(IMAGE_CHECK_MODES),
  Interpolation: allCaps(INTERPOLATIONS),
  Layout: allCaps(LAYOUTS),
  ProjectionMethod: allCaps(PROJECTION_METHODS),
};

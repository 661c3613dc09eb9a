// The schema's enums: GraphQL's ALL_CAPS values stand for the lowercase values the services and Prisma use, each list
// kept once, where its values are defined.
import type { Resolvers } from '../../generated/graphql.js';
import { RunStatus } from '../../generated/prisma/client.js';
import { INTERPOLATIONS, LAYOUTS } from '../../imaging/recipe.js';
import { CORRELATIONS, OPTION_PRESETS, PRECISIONS, QUERY_SAMPLERS, REPRESENTATIVES, TAG_IDENTITIES, TAG_WEIGHTINGS, WEIGHT_ROUNDINGS } from '../../metric/options.js';
import { QUIRKS } from '../../metric/quirkNotices.js';
import { PROJECTION_METHODS } from '../../gallery/galleryService.js';
import { SCOPES } from '../apiKeys.js';

/** Each value under its ALL_CAPS name, halfEven as HALF_EVEN (graphql-tools refuses a name the schema's enum lacks, at start-up). */
function allCaps<V extends string>(values: readonly V[]): Record<string, V> {
  return Object.fromEntries(values.map((value) => [value.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase(), value]));
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
  Interpolation: allCaps(INTERPOLATIONS),
  Layout: allCaps(LAYOUTS),
  ProjectionMethod: allCaps(PROJECTION_METHODS),
};

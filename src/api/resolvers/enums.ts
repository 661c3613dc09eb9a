// The schema's enums: GraphQL's ALL_CAPS values stand for the lowercase values the services and Prisma use, each list
// kept once, where its values are defined.
import type { Resolvers } from '../../generated/graphql.js';
import { RunStatus } from '../../generated/prisma/client.js';
import { INTERPOLATIONS, LAYOUTS } from '../../imaging/recipe.js';
import { CORRELATIONS, PRECISIONS, REPRESENTATIVES, TAG_WEIGHTINGS } from '../../metric/options.js';
import { PROJECTION_METHODS } from '../../gallery/galleryService.js';
import { SCOPES } from '../apiKeys.js';

/** Each value under its ALL_CAPS name (graphql-tools refuses a name the schema's enum lacks, at start-up). */
function allCaps<V extends string>(values: readonly V[]): Record<string, V> {
  return Object.fromEntries(values.map((value) => [value.toUpperCase(), value]));
}

export const enumResolvers: Resolvers = {
  RunStatus: allCaps(Object.values(RunStatus)),
  Scope: allCaps(SCOPES),
  TagWeighting: allCaps(TAG_WEIGHTINGS),
  Representative: allCaps(REPRESENTATIVES),
  Correlation: allCaps(CORRELATIONS),
  Precision: allCaps(PRECISIONS),
  Interpolation: allCaps(INTERPOLATIONS),
  Layout: allCaps(LAYOUTS),
  ProjectionMethod: allCaps(PROJECTION_METHODS),
};

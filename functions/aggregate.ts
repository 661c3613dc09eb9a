// Lambda handler `aggregate`: a shard of a scoring pass's queries -> per-query results that reduce to the exact score.
import { handleAggregate } from '../src/serverless/aggregateFunction.js';

export const handler = handleAggregate;

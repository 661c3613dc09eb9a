// Parent types of the schema's object types (codegen.yml's mappers) where they are not a whole Prisma row.
import type { Evaluation } from '../../generated/prisma/client.js';

/** An evaluation as most queries read it: without its per-query correlations, which only compareModels reads. */
export type EvaluationRow = Omit<Evaluation, 'perQuery'>;

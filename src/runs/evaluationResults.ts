// The JSON columns of an evaluation, read back as the types the run service wrote them from (the metric's report).
import type { Evaluation } from '../generated/prisma/client.js';
import type { ScoreReport } from '../metric/corrEmbed.js';
import type { QuirkNotice } from '../metric/quirkNotices.js';

/** An image the model could not embed (left out of the score). */
export type FailedImage = {
  /** The manifest's image id. */
  imageId: string;
  error: string;
};

/** What runService.scoreEvaluation stores in the JSON columns, typed as it stores them. */
export interface EvaluationResults {
  perCategory: ScoreReport['perCategory'];
  retrieval: ScoreReport['retrieval'];
  baselines: ScoreReport['baselines'];
  failedImages: FailedImage[];
  /** Empty for an evaluation stored before notices were. */
  notices: QuirkNotice[];
}

/** The columns as written (Prisma types JSON columns as any JSON value; these hold only what the service wrote). */
export function evaluationResults(
  row: Pick<Evaluation, 'perCategory' | 'retrieval' | 'baselines' | 'failedImages' | 'notices'>,
): EvaluationResults {
  return {
    perCategory: row.perCategory as EvaluationResults['perCategory'],
    retrieval: row.retrieval as unknown as EvaluationResults['retrieval'],
    baselines: row.baselines as unknown as EvaluationResults['baselines'],
    failedImages: (row.failedImages ?? []) as unknown as FailedImage[],
    notices: (row.notices ?? []) as unknown as QuirkNotice[],
  };
}

/** The per-query correlations, null for an evaluation stored before they were. */
export function perQueryCorrelations(row: Pick<Evaluation, 'perQuery'>): ScoreReport['perQuery'] | null {
  return row.perQuery as ScoreReport['perQuery'] | null;
}

// `corrembed score`: score a dataset's embeddings (from .npy or inline) and print a summary or JSON.
import { UserInputError } from '../errors.js';
import { loadDatasetWithEmbeddings } from '../io/datasetFiles.js';
import { peekNpyShape } from '../io/npy.js';
import { prewarmScoringWorkers } from '../metric/parallelScoring.js';
import { readJsonFile } from '../io/jsonFile.js';
import { scoreCorrEmbed } from '../metric/corrEmbed.js';
import { parseScoreOptions } from '../metric/options.js';
import { parseCommand, SCORE } from './commandSpecs.js';
import { renderScoreSummary } from '../metric/reportSummary.js';
import { configureProcess } from '../config/applyConfig.js';

export async function scoreCommand(argv: string[]): Promise<void> {
  const { values } = parseCommand(SCORE, argv);
  configureProcess();
  if (!values.dataset) throw new UserInputError('--dataset <manifest.json> is required');
  const options = parseScoreOptions(values.options ? await readJsonFile(values.options, 'options') : undefined);
  const shape = values.embeddings ? await peekNpyShape(values.embeddings).catch(() => null) : null;
  // A one-shot command: its thread may score itself rather than wait for workers (callingThreadScores).
  if (shape) prewarmScoringWorkers(shape.rows, shape.dim, options, { callingThread: true });
  const { manifest, embeddings } = await loadDatasetWithEmbeddings(values.dataset, values.embeddings);
  const showProgress = process.stderr.isTTY === true;
  const report = await scoreCorrEmbed(manifest, embeddings, options, {
    callingThread: true,
    onProgress: showProgress
      ? (stage, done, total) => process.stderr.write(`\r${stage} ${done}/${total} queries${done === total ? '\n' : ''}`)
      : undefined,
  });
  if (values.json) {
    const { options: used, ...rest } = report;
    process.stdout.write(`${JSON.stringify({ ...rest, options: used })}\n`);
  } else {
    console.log(renderScoreSummary(report));
  }
}

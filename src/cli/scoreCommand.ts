// `corrembed score`: score a dataset's embeddings (from .npy or inline) and print a summary or JSON.
import { parseArgs } from 'node:util';
import { UserInputError } from '../errors.js';
import { loadDatasetWithEmbeddings } from '../io/datasetFiles.js';
import { peekNpyShape } from '../io/npy.js';
import { prewarmScoringWorkers } from '../metric/parallelScoring.js';
import { readJsonFile } from '../io/jsonFile.js';
import { scoreCorrEmbed } from '../metric/corrEmbed.js';
import { parseScoreOptions } from '../metric/options.js';
import { renderScoreSummary } from './summary.js';

export const SCORE_USAGE = `usage: corrembed score --dataset <manifest.json> [--embeddings <file.npy>] [--options <options.json>] [--json]

  --dataset      dataset manifest (items, tags, images in dataset order, categoryWeights)
  --embeddings   NumPy .npy matrix, float32 or float16, one row per manifest image (default: inline "embedding" arrays)
  --options      JSON: preset, tagWeighting, roundWeights, weightRounding, tagIdentity, dropCategories,
                 representative, includeSelf, roundSimilarity, correlation, queries, precision, perCategory,
                 bootstrap, retrieval, baselines (see docs/metric.md; { "preset": "corrected" } turns every
                 correction of the authors' notebook quirks on)
  --json         print one JSON object on stdout instead of the summary`;

export async function scoreCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string' },
      embeddings: { type: 'string' },
      options: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(SCORE_USAGE);
    return;
  }
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

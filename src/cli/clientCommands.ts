// `corrembed import | evaluate | leaderboard`: talk to a running platform over GraphQL (HTTP and WebSocket).
import { resolve } from 'node:path';
import { UserInputError } from '../errors.js';
import { readJsonFile } from '../io/jsonFile.js';
import { EVALUATE, IMPORT, LEADERBOARD, parseCommand } from './commandSpecs.js';
import { endpointFrom, graphql, subscribe } from './graphqlClient.js';
import { LEADERBOARD_QUERY, renderLeaderboard, type LeaderboardRow } from './leaderboardTable.js';

export async function importCommand(argv: string[]): Promise<void> {
  const { values } = parseCommand(IMPORT, argv);
  const endpoint = endpointFrom(values);
  if (values.dataset) {
    const data = await graphql<{ importDataset: { id: string; name: string; imageCount: number; itemCount: number } }>(
      endpoint,
      'mutation ($input: ImportDatasetInput!) { importDataset(input: $input) { id name imageCount itemCount } }',
      { input: { manifestPath: resolve(values.dataset), name: values.name } },
    );
    const d = data.importDataset;
    console.log(values.json ? JSON.stringify(d) : `dataset ${d.id}  ${d.name}  (${d.imageCount} images, ${d.itemCount} items)`);
  } else if (values.model) {
    const data = await graphql<{ registerModel: { id: string; name: string; dim: number } }>(
      endpoint,
      'mutation ($input: RegisterModelInput!) { registerModel(input: $input) { id name dim } }',
      { input: { manifestPath: resolve(values.model) } },
    );
    const m = data.registerModel;
    console.log(values.json ? JSON.stringify(m) : `model ${m.id}  ${m.name}  (dim ${m.dim})`);
  } else {
    throw new UserInputError('give --dataset <manifest.json> or --model <model.json>');
  }
}

const RUN_FIELDS =
  'id status error progress { done total } evaluations { model { name } status score ci95 { low high } queriesUsed queriesDropped failedImages(first: 0) { totalCount } error }';

interface RunView {
  id: string;
  status: string;
  error: string | null;
  progress: { done: number; total: number };
  evaluations: {
    model: { name: string };
    status: string;
    score: number | null;
    ci95: { low: number; high: number } | null;
    failedImages: { totalCount: number };
    error: string | null;
  }[];
}

function progressBar(run: RunView): string {
  const { done, total } = run.progress;
  const fraction = total === 0 ? 1 : done / total;
  const width = 30;
  return `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] ${done}/${total} images x models  ${run.status.toLowerCase()}`;
}

export async function evaluateCommand(argv: string[]): Promise<void> {
  const { values } = parseCommand(EVALUATE, argv);
  if (!values.dataset || !values.model?.length) throw new UserInputError('--dataset <id> and at least one --model <id> are required');
  const endpoint = endpointFrom(values);
  const options = values.options ? await readJsonFile(values.options, 'options') : undefined;
  const started = await graphql<{ startEvaluation: { id: string } }>(
    endpoint,
    'mutation ($input: StartEvaluationInput!) { startEvaluation(input: $input) { id } }',
    {
      // The options file is the engine's options.json (as `corrembed score --options` reads it).
      input: { datasetId: values.dataset, modelIds: values.model, optionsJson: options },
    },
  );
  const runId = started.startEvaluation.id;
  let last: RunView | null = null;
  await subscribe<{ runProgress: RunView }>(
    endpoint,
    `subscription ($runId: ID!) { runProgress(runId: $runId) { ${RUN_FIELDS} } }`,
    { runId },
    (data) => {
      last = data.runProgress;
      if (process.stderr.isTTY) process.stderr.write(`\r${progressBar(data.runProgress)}`);
    },
  );
  if (process.stderr.isTTY) process.stderr.write('\n');
  const run = last as RunView | null;
  if (!run) throw new UserInputError(`run ${runId}: no progress received`);
  if (values.json) return void console.log(JSON.stringify(run));
  console.log(`run ${run.id}: ${run.status.toLowerCase()}${run.error ? ` (${run.error})` : ''}`);
  for (const e of run.evaluations) {
    const ci = e.ci95 ? `  95% CI [${e.ci95.low.toFixed(4)}, ${e.ci95.high.toFixed(4)}]` : '';
    const failed = e.failedImages.totalCount ? `  ${e.failedImages.totalCount} image(s) failed` : '';
    console.log(
      `  ${e.model.name.padEnd(24)} ${e.status.toLowerCase().padEnd(9)} ${e.score === null ? 'n/a' : e.score.toFixed(4)}${ci}${failed}${e.error ? `  ${e.error}` : ''}`,
    );
  }
}

export async function leaderboardCommand(argv: string[]): Promise<void> {
  const { values } = parseCommand(LEADERBOARD, argv);
  if (!values.dataset) throw new UserInputError('--dataset <id> is required');
  const data = await graphql<{ leaderboard: { edges: { node: LeaderboardRow }[] } }>(endpointFrom(values), LEADERBOARD_QUERY, {
    datasetId: values.dataset,
    first: 1000,
  });
  const rows = data.leaderboard.edges.map((edge) => edge.node);
  console.log(values.json ? JSON.stringify(rows) : renderLeaderboard(rows));
}

// `corrembed weights`: category weights from order logs (entropy over recurring users' orders).
import { readFile } from 'node:fs/promises';
import { UserInputError } from '../errors.js';
import { parseCsv } from '../io/csv.js';
import { loadManifest } from '../io/datasetFiles.js';
import { categoryWeightsFromOrders, DEFAULT_WEIGHT_OPTIONS, type Order } from '../metric/categoryWeights.js';
import { OPTION_PRESETS } from '../metric/options.js';
import { parseCommand, WEIGHTS } from './commandSpecs.js';
import { renderWeightsSummary } from '../metric/reportSummary.js';
import { configureProcess } from '../config/applyConfig.js';

async function readOrders(path: string): Promise<Order[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UserInputError(`orders ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'NOT_FOUND');
  }
  const rows = parseCsv(text);
  if (rows.length < 2) throw new UserInputError(`orders ${path}: expected a header row and at least one order`);
  return rows.slice(1).map((row, i) => {
    const [user, item] = row.map((f) => f.trim());
    if (!user || !item) throw new UserInputError(`orders ${path} line ${i + 2}: expected "user id,item id"`);
    return { user, item };
  });
}

function choice<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw new UserInputError(`${flag} must be one of ${allowed.join(', ')} (got "${value}")`);
  return value as T;
}

export async function weightsCommand(argv: string[]): Promise<void> {
  const { values } = parseCommand(WEIGHTS, argv);
  configureProcess();
  if (!values.orders || !values.dataset) throw new UserInputError('--orders <orders.csv> and --dataset <manifest.json> are required');
  const minOrders = values['min-orders'] === undefined ? DEFAULT_WEIGHT_OPTIONS.minOrders : Number(values['min-orders']);
  if (!Number.isInteger(minOrders) || minOrders < 0) throw new UserInputError('--min-orders must be a non-negative integer');
  const preset = choice('--preset', values.preset, OPTION_PRESETS) ?? 'notebook';
  const noneTag =
    choice('--none-tag', values['none-tag'], ['merge', 'separate'] as const) ??
    (preset === 'corrected' ? 'separate' : DEFAULT_WEIGHT_OPTIONS.noneTag);
  const manifest = await loadManifest(values.dataset);
  const result = categoryWeightsFromOrders(manifest, await readOrders(values.orders), {
    minOrders,
    dropCategories: values.drop ?? [],
    ignoreUnknownItems: values['ignore-unknown-items'] === true,
    noneTag,
  });
  console.log(values.json ? JSON.stringify(result) : renderWeightsSummary(result));
}

// "Is this gap real?": the paired comparison (compareModels) of any two leaderboard models, with its p-value.
import { LatestRequest } from './api.js';
import { fixed, h, notice, show } from './dom.js';
import { modelSelect } from './modelSelect.js';
import type { ModelInfo } from './types.js';
import { restoreSelect, setUrlValues } from './urlState.js';

interface Comparison {
  a: { name: string };
  b: { name: string };
  sharedQueries: number;
  meanDifference: number | null;
  ci95: { low: number; high: number } | null;
  pValue: number | null;
  significant: boolean;
}

const COMPARE_QUERY = `query Compare($datasetId: ID!, $a: ID!, $b: ID!) { compareModels(datasetId: $datasetId, a: $a, b: $b) {
  a { name } b { name } sharedQueries meanDifference ci95 { low high } pValue significant } }`;

const signed = (value: number) => `${value >= 0 ? '+' : '−'}${fixed(Math.abs(value))}`;

function describe(c: Comparison): string {
  if (c.pValue === null || c.meanDifference === null)
    return `${c.a.name} and ${c.b.name} share ${c.sharedQueries} queries: too few to test.`;
  const interval = c.ci95 ? ` (95% interval ${signed(c.ci95.low)} to ${signed(c.ci95.high)})` : '';
  const verdict = c.significant ? 'a real gap (p < 0.05)' : 'not significant: it could be noise';
  return `${c.a.name} minus ${c.b.name}: ${signed(c.meanDifference)} mean per-query correlation${interval} over ${c.sharedQueries} queries; p = ${fixed(c.pValue)}, ${verdict}.`;
}

/** Two model pickers (the best and the runner-up to start) and the verdict of their paired test. */
export function renderComparison(container: HTMLElement, datasetId: string, models: ModelInfo[]): void {
  if (models.length < 2) return show(container);
  const labels = [modelSelect('compare-a', 'Model', models, 0), modelSelect('compare-b', 'against', models, 1)];
  const [a, b] = labels.map((label) => label.querySelector('select')!);
  restoreSelect(a, 'compareA');
  restoreSelect(b, 'compareB');
  const result = h('p', { class: 'comparison', role: 'status', 'aria-live': 'polite' });
  const request = new LatestRequest();
  const compare = async (): Promise<void> => {
    result.removeAttribute('data-p-value');
    if (a.value === b.value) {
      request.cancel();
      return show(result, 'Pick two different models.');
    }
    show(result, 'Comparing…');
    try {
      const { compareModels } = await request.send<{ compareModels: Comparison }>(COMPARE_QUERY, { datasetId, a: a.value, b: b.value });
      show(result, describe(compareModels));
      if (compareModels.pValue !== null) result.dataset.pValue = fixed(compareModels.pValue);
    } catch (error) {
      show(result, notice((error as Error).message, 'error'));
    }
  };
  for (const select of [a, b])
    select.addEventListener('change', () => {
      setUrlValues({ compareA: a.value, compareB: b.value });
      void compare();
    });
  show(container, h('h3', {}, 'Is this gap real?'), h('div', { class: 'controls' }, ...labels), result);
  void compare();
}

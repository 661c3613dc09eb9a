// "Where do these models disagree?": the queries two models' correlations differ most on, each opening both neighbour lists.
import { LatestRequest } from './api.js';
import { fixed, h, notice, show } from './dom.js';
import { tableExports } from './exporting.js';
import { modelSelect } from './modelSelect.js';
import type { ImageInfo, ModelInfo } from './types.js';
import { restoreSelect, setUrlValues } from './urlState.js';

interface Disagreements {
  a: { name: string };
  b: { name: string };
  sharedQueries: number;
  queries: { image: ImageInfo; correlationA: number; correlationB: number; difference: number }[];
}

const QUERY = `query Disagreements($datasetId: ID!, $a: ID!, $b: ID!, $first: Int!) {
  modelDisagreements(datasetId: $datasetId, a: $a, b: $b, first: $first) { a { name } b { name } sharedQueries
    queries { correlationA correlationB difference image { id name itemId tags { category name } thumbnail(size: 48) } } } }`;

const SHOWN = 20;

/** Opens an image as the gallery's query under two models. */
export type OpenSideBySide = (imageId: string, modelA: string, modelB: string) => void;

export function renderDisagreements(container: HTMLElement, datasetId: string, models: ModelInfo[], open: OpenSideBySide): void {
  if (models.length < 2) return show(container, notice('Evaluate two models on this dataset to see where they disagree.'));
  const labels = [modelSelect('disagree-a', 'Model', models, 0), modelSelect('disagree-b', 'against', models, 1)];
  const [a, b] = labels.map((label) => label.querySelector('select')!);
  restoreSelect(a, 'disagreeA');
  restoreSelect(b, 'disagreeB');
  const result = h('div', { class: 'table-scroll', 'aria-live': 'polite' });
  const request = new LatestRequest();
  const load = async (): Promise<void> => {
    setUrlValues({ disagreeA: a.value, disagreeB: b.value });
    if (a.value === b.value) {
      request.cancel();
      return show(result, notice('Pick two different models.'));
    }
    show(result, h('p', { class: 'muted' }, 'Loading…'));
    try {
      const { modelDisagreements: d } = await request.send<{ modelDisagreements: Disagreements }>(QUERY, {
        datasetId,
        a: a.value,
        b: b.value,
        first: SHOWN,
      });
      const [modelA, modelB] = [a.value, b.value];
      show(
        result,
        h(
          'table',
          { id: 'disagreements-table' },
          h(
            'caption',
            {},
            `The ${d.queries.length} of ${d.sharedQueries} shared queries whose correlation differs most between ${d.a.name} and ${d.b.name}; positive: ${d.a.name} ranks this query's neighbours better.`,
          ),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Query image'),
              h('th', { scope: 'col', class: 'num' }, d.a.name),
              h('th', { scope: 'col', class: 'num' }, d.b.name),
              h('th', { scope: 'col', class: 'num' }, 'Difference'),
              h('th', { scope: 'col' }, 'Neighbours'),
            ),
          ),
          h(
            'tbody',
            {},
            ...d.queries.map((q) =>
              h(
                'tr',
                { 'data-image-id': q.image.id },
                h(
                  'th',
                  { scope: 'row' },
                  h(
                    'span',
                    { class: 'query-cell' },
                    q.image.thumbnail ? h('img', { src: q.image.thumbnail, alt: '', width: 32, height: 32 }) : null,
                    q.image.name,
                  ),
                ),
                h('td', { class: 'num' }, fixed(q.correlationA)),
                h('td', { class: 'num' }, fixed(q.correlationB)),
                h('td', { class: 'num' }, fixed(q.difference)),
                h(
                  'td',
                  {},
                  h('button', { type: 'button', onclick: () => open(q.image.id, modelA, modelB) }, `Side by side: ${q.image.name}`),
                ),
              ),
            ),
          ),
        ),
      );
    } catch (error) {
      show(result, notice((error as Error).message, 'error'));
    }
  };
  for (const select of [a, b]) select.addEventListener('change', () => void load());
  show(
    container,
    h('div', { class: 'controls' }, ...labels),
    result,
    tableExports('disagreements', () => result.querySelector('table')),
  );
  void load();
}

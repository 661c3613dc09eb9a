// A 2-D PCA map of one model's embeddings, each image a dot coloured by its tag in the chosen category.
import { LatestRequest } from './api.js';
import { CATEGORICAL, OTHER } from './colours.js';
import { fixed, h, notice, s, show } from './dom.js';
import { extent, linearScale } from './scale.js';
import type { DatasetInfo, ModelInfo } from './types.js';

const SIZE = 460;
const PAD = 14;

interface Projection {
  method: string;
  explainedVariance: number[];
  total: number;
  points: { imageId: string; name: string; x: number; y: number; tags: string[] }[];
}

async function draw(plot: HTMLElement, request: LatestRequest, datasetId: string, modelId: string, category: string): Promise<void> {
  show(plot, h('p', { class: 'muted' }, 'Projecting…'));
  try {
    const { projection } = await request.send<{ projection: Projection }>(
      `query Projection($datasetId: ID!, $modelId: ID!, $category: String) { projection(datasetId: $datasetId, modelId: $modelId, category: $category) {
        method explainedVariance total points { imageId name x y tags } } }`,
      { datasetId, modelId, category },
    );
    const { points } = projection;
    const counts = new Map<string, number>();
    for (const p of points) counts.set(p.tags[0] ?? '(none)', (counts.get(p.tags[0] ?? '(none)') ?? 0) + 1);
    const legend = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    const colour = new Map(legend.map(([tag], i) => [tag, CATEGORICAL[i] ?? OTHER]));
    const x = linearScale(
      extent(
        points.map((p) => p.x),
        0.04,
      ),
      [PAD, SIZE - PAD],
    );
    const y = linearScale(
      extent(
        points.map((p) => p.y),
        0.04,
      ),
      [SIZE - PAD, PAD],
    );
    const [v1, v2] = projection.explainedVariance.map((v) => `${fixed(100 * v, 1)}%`);
    show(
      plot,
      h(
        'figure',
        {},
        s(
          'svg',
          {
            viewBox: `0 0 ${SIZE} ${SIZE}`,
            role: 'img',
            'aria-label': `${projection.method.toUpperCase()} of ${points.length} embeddings coloured by ${category}`,
            class: 'chart projection',
          },
          s('rect', { x: 0, y: 0, width: SIZE, height: SIZE, class: 'frame' }),
          ...points.map((p) =>
            s(
              'circle',
              { cx: x(p.x), cy: y(p.y), r: 3.5, fill: colour.get(p.tags[0] ?? '(none)'), 'data-tag': p.tags[0] ?? '' },
              s('title', {}, `${p.name}: ${p.tags.join(', ')}`),
            ),
          ),
        ),
        h(
          'figcaption',
          {},
          `${projection.method.toUpperCase()}: axis 1 explains ${v1}, axis 2 ${v2} of the variance; ${points.length} of ${projection.total} images.`,
        ),
      ),
      h(
        'ul',
        { class: 'legend', 'aria-label': `${category} legend` },
        ...legend.map(([tag, count]) =>
          h('li', {}, h('span', { class: 'swatch', style: `background:${colour.get(tag)}`, 'aria-hidden': 'true' }), `${tag} (${count})`),
        ),
      ),
    );
  } catch (error) {
    show(plot, notice((error as Error).message, 'error'));
  }
}

export function renderProjection(container: HTMLElement, dataset: DatasetInfo, models: ModelInfo[]): void {
  if (models.length === 0) return show(container, notice('Evaluate a model on this dataset to map its embeddings.'));
  const modelSelect = h('select', { id: 'projection-model' }, ...models.map((m) => h('option', { value: m.id }, m.name)));
  const categorySelect = h(
    'select',
    { id: 'projection-category' },
    ...dataset.categories.map((c) => h('option', { value: c.name }, c.name)),
  );
  const plot = h('div', { class: 'projection-plot' });
  const request = new LatestRequest();
  const redraw = () => void draw(plot, request, dataset.id, modelSelect.value, categorySelect.value);
  modelSelect.addEventListener('change', redraw);
  categorySelect.addEventListener('change', redraw);
  show(
    container,
    h(
      'div',
      { class: 'controls' },
      h('label', { for: 'projection-model' }, 'Model', modelSelect),
      h('label', { for: 'projection-category' }, 'Colour by', categorySelect),
    ),
    plot,
  );
  redraw();
}

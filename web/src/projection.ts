// The embedding map panel: PCA or UMAP of one model's embeddings by tag category, to zoom, hover, lasso and pick a query.
import { LatestRequest } from './api.js';
import { CATEGORICAL, OTHER } from './colours.js';
import { field, fixed, h, notice, s, show } from './dom.js';
import type { EmbeddingMap, MapPoint } from './embeddingMap.js';
import { canvasPng, chartExports } from './exporting.js';
import type { OpenQuery } from './gallery.js';
import type { DatasetInfo, ImageInfo, ModelInfo } from './types.js';
import { restoreSelect, setUrlValues } from './urlState.js';

interface Projection {
  method: string;
  explainedVariance: number[];
  total: number;
  points: { imageId: string; name: string; x: number; y: number; tags: string[] }[];
}

const POINT_LIMITS = [2_000, 10_000, 50_000, 100_000];
/** The API's largest UMAP sample. */
const UMAP_LIMIT = 5_000;
/** Thumbnails the lasso gallery shows, each a node() alias of one query (the API allows 15 aliases). */
const LASSO_SHOWN = 12;
const HOVER_REST_MS = 120;
const count = (n: number) => n.toLocaleString('en');

/** Thumbnails by image id, kept while the page lives (hover asks for the same images again and again). */
const thumbnails = new Map<string, Promise<ImageInfo | null>>();
const thumbnailRequest = new LatestRequest();

function hoverImage(imageId: string): Promise<ImageInfo | null> {
  let answer = thumbnails.get(imageId);
  if (!answer) {
    answer = thumbnailRequest
      .send<{ node: ImageInfo | null }>(
        'query MapThumbnail($id: ID!) { node(id: $id) { ... on Image { id name itemId tags { category name } thumbnail(size: 96) } } }',
        { id: imageId },
      )
      .then(({ node }) => node);
    answer.catch(() => thumbnails.delete(imageId));
    thumbnails.set(imageId, answer);
  }
  return answer;
}

/** An SVG of the points in view, for the SVG download. */
function mapSvg(map: EmbeddingMap): SVGSVGElement {
  const size = map.viewSize;
  return s(
    'svg',
    { viewBox: `0 0 ${size} ${size}`, class: 'chart projection', role: 'img', 'aria-label': map.label },
    s('rect', { x: 0, y: 0, width: size, height: size, class: 'frame' }),
    ...map.visible().map(({ point, x, y }) => s('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 2.5, fill: point.colour })),
  );
}

export function renderProjection(container: HTMLElement, dataset: DatasetInfo, models: ModelInfo[], openQuery: OpenQuery): void {
  if (models.length === 0) return show(container, notice('Evaluate a model on this dataset to map its embeddings.'));
  const modelSelect = h('select', { id: 'projection-model' }, ...models.map((m) => h('option', { value: m.id }, m.name)));
  const categorySelect = h(
    'select',
    { id: 'projection-category' },
    ...dataset.categories.map((c) => h('option', { value: c.name }, c.name)),
  );
  const limitSelect = h(
    'select',
    { id: 'projection-limit' },
    ...POINT_LIMITS.map((n) => h('option', { value: n, selected: n === 50_000 }, `up to ${count(n)}`)),
  );
  const methodSelect = h(
    'select',
    { id: 'projection-method' },
    h('option', { value: 'PCA' }, 'PCA'),
    h('option', { value: 'UMAP' }, `UMAP (up to ${count(UMAP_LIMIT)} points)`),
  );
  restoreSelect(methodSelect, 'method');
  restoreSelect(modelSelect, 'mapModel');
  restoreSelect(categorySelect, 'colour');
  restoreSelect(limitSelect, 'points');
  const plot = h('div', { class: 'projection-plot' });
  const request = new LatestRequest();
  const redraw = () => {
    setUrlValues({ mapModel: modelSelect.value, colour: categorySelect.value, points: limitSelect.value, method: methodSelect.value });
    const method = methodSelect.value as 'PCA' | 'UMAP';
    void draw(plot, request, {
      datasetId: dataset.id,
      modelId: modelSelect.value,
      category: categorySelect.value,
      method,
      limit: method === 'UMAP' ? Math.min(UMAP_LIMIT, Number(limitSelect.value)) : Number(limitSelect.value),
      openQuery,
    });
  };
  for (const select of [modelSelect, categorySelect, methodSelect, limitSelect]) select.addEventListener('change', redraw);
  show(
    container,
    h(
      'div',
      { class: 'controls' },
      field('Model', modelSelect),
      field('Colour by', categorySelect),
      field('Projection', methodSelect),
      field('Points', limitSelect),
    ),
    plot,
  );
  redraw();
}

interface MapChoice {
  datasetId: string;
  modelId: string;
  category: string;
  method: 'PCA' | 'UMAP';
  limit: number;
  openQuery: OpenQuery;
}

async function draw(plot: HTMLElement, request: LatestRequest, choice: MapChoice): Promise<void> {
  show(plot, h('p', { class: 'muted' }, 'Projecting…'));
  try {
    const [{ projection }, { EmbeddingMap }] = await Promise.all([
      request.send<{ projection: Projection }>(
        `query Projection($datasetId: ID!, $modelId: ID!, $category: String, $limit: Int, $method: ProjectionMethod) {
          projection(datasetId: $datasetId, modelId: $modelId, category: $category, limit: $limit, method: $method) {
          method explainedVariance total points { imageId name x y tags } } }`,
        { datasetId: choice.datasetId, modelId: choice.modelId, category: choice.category, limit: choice.limit, method: choice.method },
      ),
      import('./embeddingMap.js'),
    ]);
    const { points, method } = projection;
    const counts = new Map<string, number>();
    for (const p of points) counts.set(p.tags[0] ?? '(none)', (counts.get(p.tags[0] ?? '(none)') ?? 0) + 1);
    const legend = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    const colour = new Map(legend.map(([tag], i) => [tag, CATEGORICAL[i] ?? OTHER]));
    const tagsOf = new Map(points.map((p) => [p.imageId, p.tags]));
    const mapPoints: MapPoint[] = points.map((p) => ({
      imageId: p.imageId,
      name: p.name,
      x: p.x,
      y: p.y,
      colour: colour.get(p.tags[0] ?? '(none)')!,
    }));

    const status = h('p', { class: 'map-status', role: 'status', 'aria-live': 'polite' });
    const tooltip = h('div', { class: 'map-tooltip', hidden: true });
    const selection = h('section', { class: 'lasso-gallery', 'aria-label': 'Lasso selection' });
    const describeStatus = () =>
      show(
        status,
        `${count(points.length)} points; focused: ${map.focused ? `image ${map.focused.name} (${(tagsOf.get(map.focused.imageId) ?? []).join(', ') || 'no tag'})` : 'none'}`,
      );
    let hovered: string | null = null;
    let resting: ReturnType<typeof setTimeout> | undefined;
    const map: EmbeddingMap = new EmbeddingMap(
      mapPoints,
      {
        hover: (point, at) => {
          hovered = point?.imageId ?? null;
          if (!point) return void (tooltip.hidden = true);
          Object.assign(tooltip.style, { left: `${at.x + 14}px`, top: `${at.y + 14}px` });
          tooltip.hidden = false;
          show(tooltip, h('span', {}, point.name));
          // The thumbnail once the pointer rests on a point: sweeping across thousands asks for none of them.
          clearTimeout(resting);
          resting = setTimeout(
            () =>
              void hoverImage(point.imageId)
                .then((image) => {
                  if (hovered !== point.imageId || !image) return;
                  show(
                    tooltip,
                    image.thumbnail ? h('img', { src: image.thumbnail, alt: '', width: 96, height: 96 }) : null,
                    h('span', {}, `${image.name} · ${image.tags.map((t) => t.name).join(', ')}`),
                  );
                })
                .catch(() => undefined),
            HOVER_REST_MS,
          );
        },
        activate: (point) => choice.openQuery(point.imageId, choice.modelId),
        lasso: (chosen) => void showSelection(selection, chosen, choice),
        changed: describeStatus,
      },
      `${method.toUpperCase()} map of ${points.length} embeddings coloured by ${choice.category}`,
    );
    const modeButton = h(
      'button',
      {
        type: 'button',
        'aria-pressed': 'false',
        onclick: () => {
          map.mode = map.mode === 'pan' ? 'lasso' : 'pan';
          modeButton.setAttribute('aria-pressed', String(map.mode === 'lasso'));
        },
      },
      'Lasso select',
    );
    const [v1, v2] = projection.explainedVariance.map((v) => `${fixed(100 * v, 1)}%`);
    const layout =
      method === 'UMAP'
        ? 'UMAP on the 32 leading principal components: neighbourhoods are kept, distances between clusters mean little'
        : `PCA: axis 1 explains ${v1}, axis 2 ${v2} of the variance`;
    show(
      plot,
      h(
        'div',
        { class: 'controls map-tools', role: 'toolbar', 'aria-label': 'Map tools' },
        h('button', { type: 'button', onclick: () => map.zoom(1.5) }, 'Zoom in'),
        h('button', { type: 'button', onclick: () => map.zoom(1 / 1.5) }, 'Zoom out'),
        h('button', { type: 'button', onclick: () => map.reset() }, 'Reset view'),
        modeButton,
      ),
      h(
        'figure',
        { class: 'map-figure' },
        map.canvas,
        h(
          'figcaption',
          {},
          `${layout}; ${count(points.length)} of ${count(projection.total)} images. Drag to pan (or to lasso in lasso mode), scroll or +/− to zoom, hover for a thumbnail, click a point to make it the query; with the keyboard, arrow keys move the focus between points and Enter makes it the query.`,
        ),
      ),
      status,
      tooltip,
      h(
        'ul',
        { class: 'legend', 'aria-label': `${choice.category} legend` },
        ...legend.map(([tag, n]) =>
          h('li', {}, h('span', { class: 'swatch', style: `background:${colour.get(tag)}`, 'aria-hidden': 'true' }), `${tag} (${n})`),
        ),
      ),
      chartExports(
        'embedding-map',
        () => mapSvg(map),
        () => canvasPng(map.canvas),
      ),
      selection,
    );
    map.draw();
    describeStatus();
    void showSelection(selection, [], choice);
  } catch (error) {
    show(plot, notice((error as Error).message, 'error'));
  }
}

const lassoRequest = new LatestRequest();

/** The lasso's images: how many, and the first ones' thumbnails, each a button that makes it the query. */
async function showSelection(container: HTMLElement, chosen: MapPoint[], choice: MapChoice): Promise<void> {
  if (chosen.length === 0)
    return show(
      container,
      h('h3', {}, 'Lasso selection'),
      h('p', { class: 'muted' }, 'No image selected: switch to lasso mode and draw around some points.'),
    );
  const first = chosen.slice(0, LASSO_SHOWN);
  show(container, h('h3', {}, 'Lasso selection'), h('p', { role: 'status' }, `${count(chosen.length)} images selected.`));
  try {
    const variables = Object.fromEntries(first.map((p, i) => [`id${i}`, p.imageId]));
    const query = `query LassoImages(${first.map((_, i) => `$id${i}: ID!`).join(', ')}) { ${first
      .map((_, i) => `i${i}: node(id: $id${i}) { ... on Image { id name itemId tags { category name } thumbnail(size: 64) } }`)
      .join(' ')} }`;
    const answer = await lassoRequest.send<Record<string, ImageInfo | null>>(query, variables);
    const images = first.map((_, i) => answer[`i${i}`]).filter((image): image is ImageInfo => image !== null);
    container.append(
      h(
        'ul',
        { class: 'picker lasso-images', 'aria-label': 'Selected images' },
        ...images.map((image) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                type: 'button',
                class: 'pick',
                title: `Make ${image.name} the query`,
                onclick: () => choice.openQuery(image.id, choice.modelId),
              },
              image.thumbnail ? h('img', { src: image.thumbnail, alt: `Image ${image.name}`, width: 64, height: 64 }) : image.name,
            ),
          ),
        ),
      ),
    );
    if (chosen.length > LASSO_SHOWN) container.append(h('p', { class: 'muted' }, `The first ${LASSO_SHOWN} shown.`));
  } catch (error) {
    container.append(notice((error as Error).message, 'error'));
  }
}

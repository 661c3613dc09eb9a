// The nearest-neighbour gallery: pick a query image, see two models' top k side by side with their tags (the paper's figures 4 and 5).
import { LatestRequest, nodes, type Connection } from './api.js';
import { fixed, h, notice, show } from './dom.js';
import { modelSelect } from './modelSelect.js';
import type { ImageInfo, ModelInfo } from './types.js';

const IMAGE_FIELDS = 'id name itemId tags { category name }';
const PICKER_SIZE = 24;

interface Neighbours {
  meanTagSimilarity: number | null;
  neighbours: { rank: number; similarity: number; tagSimilarity: number; sameItem: boolean; image: ImageInfo }[];
}

interface GalleryState {
  models: ModelInfo[];
  query: ImageInfo | null;
}

const tagKey = (tag: { category: string; name: string }) => `${tag.category}\u0000${tag.name}`;

function tagList(image: ImageInfo, highlight: Set<string>): HTMLElement {
  return h(
    'ul',
    { class: 'tags', 'aria-label': 'Tags' },
    ...image.tags.map((tag) => {
      const shared = highlight.has(tagKey(tag));
      return h(
        'li',
        { class: shared ? 'tag shared' : 'tag', title: `${tag.category}${shared ? ' (shared with the query)' : ''}` },
        tag.name,
        shared ? h('span', { class: 'visually-hidden' }, ' (shared)') : null,
      );
    }),
  );
}

function thumbnail(image: ImageInfo, size: number): HTMLElement {
  return image.thumbnail
    ? h('img', { src: image.thumbnail, alt: `Image ${image.name} (item ${image.itemId})`, width: size, height: size })
    : h('div', { class: 'missing-thumb', style: `width:${size}px;height:${size}px` }, 'unreadable');
}

/** One model's column; its request slot keeps only the answer to the latest query, model and k. */
interface Column {
  element: HTMLElement;
  request: LatestRequest;
}

async function showNeighbours({ element: column, request }: Column, state: GalleryState, modelId: string, k: number): Promise<void> {
  const model = state.models.find((m) => m.id === modelId)!;
  show(column, h('h4', {}, model.name), h('p', { class: 'muted' }, 'Loading…'));
  try {
    const { neighbours } = await request.send<{ neighbours: Neighbours }>(
      `query Neighbours($imageId: ID!, $modelId: ID!, $k: Int!) { neighbours(imageId: $imageId, modelId: $modelId, k: $k) {
        meanTagSimilarity neighbours { rank similarity tagSimilarity sameItem image { ${IMAGE_FIELDS} thumbnail(size: 112) } } } }`,
      { imageId: state.query!.id, modelId, k },
    );
    const queryTags = new Set(state.query!.tags.map(tagKey));
    show(
      column,
      h('h4', {}, model.name, h('span', { class: 'muted' }, ` · mean tag similarity ${fixed(neighbours.meanTagSimilarity)}`)),
      h(
        'ol',
        { class: 'neighbours', 'aria-label': `${model.name}: the ${k} nearest images` },
        ...neighbours.neighbours.map((n) =>
          h(
            'li',
            { class: 'card', 'data-tag-similarity': n.tagSimilarity.toFixed(4) },
            thumbnail(n.image, 112),
            h(
              'div',
              { class: 'card-text' },
              h(
                'span',
                { class: 'card-title' },
                `#${n.rank} ${n.image.name}`,
                n.sameItem ? h('span', { class: 'badge' }, 'same item') : null,
              ),
              h('span', { class: 'muted' }, `cos ${fixed(n.similarity)} · tags ${fixed(n.tagSimilarity)}`),
              tagList(n.image, queryTags),
            ),
          ),
        ),
      ),
    );
  } catch (error) {
    show(column, h('h4', {}, model.name), notice((error as Error).message, 'error'));
  }
}

export function renderGallery(container: HTMLElement, datasetId: string, models: ModelInfo[]): void {
  if (models.length === 0) return show(container, notice('Evaluate a model on this dataset to browse its neighbours.'));
  const state: GalleryState = { models, query: null };
  const search = h('input', { id: 'gallery-search', type: 'search', placeholder: 'image id, item id or tag', autocomplete: 'off' });
  const kSelect = h('select', { id: 'gallery-k' }, ...[4, 8, 12, 16].map((k) => h('option', { value: k, selected: k === 8 }, String(k))));
  const picker = h('div', { class: 'picker', role: 'group', 'aria-label': 'Query images' });
  const queryCard = h('div', { class: 'query-card', 'aria-live': 'polite' });
  const columns: Column[] = ['First model', 'Second model'].map((label) => ({
    element: h('section', { class: 'gallery-column', 'aria-label': label }),
    request: new LatestRequest(),
  }));
  const pickerRequest = new LatestRequest();
  const selects = [
    modelSelect('gallery-model-a', 'Model A', models, 0),
    modelSelect('gallery-model-b', 'Model B', models, Math.min(1, models.length - 1)),
  ];

  const refresh = (): void => {
    if (!state.query) return;
    const k = Number(kSelect.value);
    show(
      queryCard,
      thumbnail(state.query, 112),
      h(
        'div',
        { class: 'card-text' },
        h('span', { class: 'card-title' }, `Query: ${state.query.name}`),
        h('span', { class: 'muted' }, `item ${state.query.itemId}`),
        tagList(state.query, new Set()),
      ),
    );
    selects.forEach((label, i) => void showNeighbours(columns[i], state, (label.querySelector('select') as HTMLSelectElement).value, k));
  };
  const pick = (image: ImageInfo): void => {
    state.query = image;
    picker.querySelectorAll('button').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.imageId === image.id)));
    refresh();
  };
  const loadPicker = async (): Promise<void> => {
    try {
      const page = (
        await pickerRequest.send<{ images: Connection<ImageInfo> & { totalCount: number } }>(
          `query Images($datasetId: ID!, $search: String, $first: Int!) { images(datasetId: $datasetId, search: $search, first: $first) { totalCount edges { node { ${IMAGE_FIELDS} thumbnail(size: 64) } } } }`,
          { datasetId, search: search.value.trim() || null, first: PICKER_SIZE },
        )
      ).images;
      const images = nodes(page);
      if (images.length === 0) return show(picker, notice(`No image matches "${search.value}".`));
      show(
        picker,
        ...images.map((image) =>
          h(
            'button',
            {
              type: 'button',
              class: 'pick',
              'data-image-id': image.id,
              'aria-pressed': String(image.id === state.query?.id),
              title: `${image.name}: ${image.tags.map((t) => t.name).join(', ')}`,
              onclick: () => pick(image),
            },
            thumbnail(image, 64),
          ),
        ),
      );
      if (page.totalCount > images.length)
        picker.append(h('p', { class: 'muted' }, `${images.length} of ${page.totalCount}: search to narrow.`));
      if (!state.query) pick(images[0]);
    } catch (error) {
      show(picker, notice((error as Error).message, 'error'));
    }
  };
  let typing: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => void loadPicker(), 250);
  });
  kSelect.addEventListener('change', refresh);
  selects.forEach((label) => label.querySelector('select')!.addEventListener('change', refresh));
  show(
    container,
    h(
      'div',
      { class: 'controls' },
      h('label', { for: 'gallery-search' }, 'Find a query image', search),
      ...selects,
      h('label', { for: 'gallery-k' }, 'Neighbours (k)', kSelect),
    ),
    picker,
    queryCard,
    h('div', { class: 'gallery-columns' }, ...columns.map((c) => c.element)),
  );
  void loadPicker();
}

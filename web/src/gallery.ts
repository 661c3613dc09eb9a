// The nearest-neighbour gallery: a query image (searched, paged or opened elsewhere), two models' top k side by side, zoom.
import { LatestRequest, nodes, type Connection } from './api.js';
import { field, fixed, h, notice, show } from './dom.js';
import { modelSelect } from './modelSelect.js';
import type { ImageInfo, ModelInfo } from './types.js';
import { restoreSelect, setUrlValues, urlValue } from './urlState.js';

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

/** The page's one zoom dialog: the image at the largest thumbnail size the API gives. */
let zoomDialog: HTMLDialogElement | null = null;
const zoomRequest = new LatestRequest();

async function zoom(image: ImageInfo): Promise<void> {
  if (!zoomDialog) {
    zoomDialog = h('dialog', { class: 'zoom', 'aria-label': 'Zoomed image' });
    document.body.append(zoomDialog);
  }
  const dialog = zoomDialog;
  const close = h('button', { type: 'button', onclick: () => dialog.close() }, 'Close');
  show(dialog, h('p', { class: 'muted' }, 'Loading…'), close);
  dialog.showModal();
  close.focus();
  try {
    const { node } = await zoomRequest.send<{ node: ImageInfo | null }>(
      `query Zoom($id: ID!) { node(id: $id) { ... on Image { ${IMAGE_FIELDS} thumbnail(size: 256) } } }`,
      { id: image.id },
    );
    if (!node) return show(dialog, notice('This image is gone.', 'error'), close);
    show(
      dialog,
      h('figure', {}, thumbnail(node, 256), h('figcaption', {}, `${node.name} · item ${node.itemId}`, tagList(node, new Set()))),
      close,
    );
    close.focus();
  } catch (error) {
    show(dialog, notice((error as Error).message, 'error'), close);
  }
}

/** A thumbnail that opens the zoom dialog. */
function zoomable(image: ImageInfo, size: number): HTMLElement {
  return h(
    'button',
    { type: 'button', class: 'zoom-button', 'aria-label': `Zoom image ${image.name}`, onclick: () => void zoom(image) },
    thumbnail(image, size),
  );
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
            zoomable(n.image, 112),
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

/** Makes an image the query, optionally under two given models (the disagreements and the map call it). */
export type OpenQuery = (imageId: string, modelA?: string, modelB?: string) => void;

export function renderGallery(container: HTMLElement, datasetId: string, models: ModelInfo[]): OpenQuery {
  if (models.length === 0) {
    show(container, notice('Evaluate a model on this dataset to browse its neighbours.'));
    return () => undefined;
  }
  const state: GalleryState = { models, query: null };
  const search = h('input', {
    id: 'gallery-search',
    type: 'search',
    placeholder: 'image id, item id or tag',
    autocomplete: 'off',
    value: urlValue('search') ?? '',
  });
  const kSelect = h('select', { id: 'gallery-k' }, ...[4, 8, 12, 16].map((k) => h('option', { value: k, selected: k === 8 }, String(k))));
  restoreSelect(kSelect, 'k');
  /** The cursors of the picker's pages so far: the first page has none. */
  let pages: (string | null)[] = [null];
  const pager = h('div', { class: 'pager' });
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
  const [selectA, selectB] = selects.map((label) => label.querySelector('select')!);
  restoreSelect(selectA, 'modelA');
  restoreSelect(selectB, 'modelB');

  const refresh = (): void => {
    if (!state.query) return;
    const k = Number(kSelect.value);
    setUrlValues({ query: state.query.id, modelA: selectA.value, modelB: selectB.value, k });
    show(
      queryCard,
      zoomable(state.query, 112),
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
  const loadPicker = async (pageIndex = 0): Promise<void> => {
    setUrlValues({ search: search.value.trim() });
    try {
      const page = (
        await pickerRequest.send<{
          images: Connection<ImageInfo> & { totalCount: number; pageInfo: { endCursor: string | null; hasNextPage: boolean } };
        }>(
          `query Images($datasetId: ID!, $search: String, $first: Int!, $after: String) { images(datasetId: $datasetId, search: $search, first: $first, after: $after) {
            totalCount pageInfo { endCursor hasNextPage } edges { node { ${IMAGE_FIELDS} thumbnail(size: 64) } } } }`,
          { datasetId, search: search.value.trim() || null, first: PICKER_SIZE, after: pages[pageIndex] },
        )
      ).images;
      const images = nodes(page);
      pages = [...pages.slice(0, pageIndex + 1), page.pageInfo.endCursor];
      show(
        pager,
        h('button', { type: 'button', disabled: pageIndex === 0, onclick: () => void loadPicker(pageIndex - 1) }, 'Previous images'),
        h(
          'span',
          { class: 'muted', role: 'status' },
          `Images ${Math.min(page.totalCount, pageIndex * PICKER_SIZE + 1)}–${pageIndex * PICKER_SIZE + images.length} of ${page.totalCount}`,
        ),
        h('button', { type: 'button', disabled: !page.pageInfo.hasNextPage, onclick: () => void loadPicker(pageIndex + 1) }, 'Next images'),
      );
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
      if (!state.query && !urlValue('query')) pick(images[0]);
    } catch (error) {
      show(picker, notice((error as Error).message, 'error'));
    }
  };
  let typing: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => void loadPicker(), 250);
  });
  const openRequest = new LatestRequest();
  const open: OpenQuery = (imageId, modelA, modelB) => {
    if (modelA) selectA.value = modelA;
    if (modelB) selectB.value = modelB;
    openRequest
      .send<{ node: ImageInfo | null }>(
        `query OpenImage($id: ID!) { node(id: $id) { ... on Image { ${IMAGE_FIELDS} thumbnail(size: 64) } } }`,
        {
          id: imageId,
        },
      )
      .then(({ node }) => {
        if (!node) return show(queryCard, notice(`Image ${imageId} not found.`, 'error'));
        pick(node);
      })
      .catch((error: Error) => show(queryCard, notice(error.message, 'error')));
  };
  kSelect.addEventListener('change', refresh);
  selects.forEach((label) => label.querySelector('select')!.addEventListener('change', refresh));
  show(
    container,
    h('div', { class: 'controls' }, field('Find a query image', search), ...selects, field('Neighbours (k)', kSelect)),
    picker,
    pager,
    queryCard,
    h('div', { class: 'gallery-columns' }, ...columns.map((c) => c.element)),
  );
  const wanted = urlValue('query');
  if (wanted) open(wanted);
  void loadPicker();
  return (imageId, modelA, modelB) => {
    open(imageId, modelA, modelB);
    document.getElementById('gallery-section')?.scrollIntoView();
  };
}

// The dataset manifest format (items, tags, images, category weights) and its validation.
import { UserInputError } from '../errors.js';

export interface Tag {
  category: string;
  name: string;
}

export interface ItemSpec {
  id: string;
  tags: Tag[];
}

export interface ImageSpec {
  id: string;
  item: string;
  uri?: string;
  embedding?: number[];
}

export interface DatasetManifest {
  name: string;
  categoryWeights: Record<string, number>;
  items: ItemSpec[];
  /** In dataset order. */
  images: ImageSpec[];
}

function fail(message: string): never {
  throw new UserInputError(`manifest: ${message}`);
}

/** A stable, unambiguous key for a (category, name) pair (length-prefixed, cheap to build). */
export function tagKey(category: string, name: string): string {
  return `${category.length}:${category}${name}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `where` names the field in the error; it is a function so the hot path builds no strings. */
function nonEmptyString(v: unknown, where: () => string): string {
  if (typeof v !== 'string' || v.length === 0) fail(`${where()} must be a non-empty string`);
  return v;
}

function parseWeights(v: unknown): Record<string, number> {
  if (v === undefined) return {};
  if (!isObject(v)) fail('"categoryWeights" must be an object of category -> weight');
  for (const [category, w] of Object.entries(v)) {
    // Any finite number: `corrembed weights` gives 1 - mean normalised entropy, below 0 when items carry several tags of a category.
    if (typeof w !== 'number' || !Number.isFinite(w)) {
      fail(`category weight of "${category}" must be a finite number (got ${JSON.stringify(w)})`);
    }
  }
  // fromEntries defines own properties, so even a category called "__proto__" keeps its weight.
  return Object.fromEntries(Object.entries(v)) as Record<string, number>;
}

function parseTags(v: unknown, itemId: string): Tag[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(`item "${itemId}": "tags" must be a list`);
  const tags: Tag[] = [];
  const seen = v.length > 32 ? new Set<string>() : null;
  for (let i = 0; i < v.length; i++) {
    const t: unknown = v[i];
    if (!isObject(t)) fail(`item "${itemId}": tag ${i} must be an object { "category", "name" }`);
    const category = nonEmptyString(t.category, () => `item "${itemId}": tag ${i} "category"`);
    const name = nonEmptyString(t.name, () => `item "${itemId}": tag ${i} "name"`);
    // Items usually hold a handful of tags: a scan finds repeats faster than hashing every pair.
    const repeated = seen
      ? seen.size === seen.add(tagKey(category, name)).size
      : tags.some((t) => t.category === category && t.name === name);
    if (!repeated) tags.push({ category, name });
  }
  return tags;
}

/** Checks that entry i of `list` is an object with an id not seen before; returns both. */
function uniqueEntry(raw: unknown, list: 'items' | 'images', i: number, ids: Set<string>): { entry: Record<string, unknown>; id: string } {
  if (!isObject(raw)) fail(`${list}[${i}] must be an object`);
  const id = nonEmptyString(raw.id, () => `${list}[${i}].id`);
  if (ids.has(id)) fail(`duplicate ${list === 'items' ? 'item' : 'image'} id "${id}"`);
  ids.add(id);
  return { entry: raw, id };
}

function parseItems(v: unknown): ItemSpec[] {
  if (!Array.isArray(v)) fail('"items" must be a list');
  const ids = new Set<string>();
  return v.map((raw, i) => {
    const { entry, id } = uniqueEntry(raw, 'items', i, ids);
    return { id, tags: parseTags(entry.tags, id) };
  });
}

function parseEmbedding(v: unknown, imageId: string): number[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length === 0) fail(`image "${imageId}": "embedding" must be a non-empty list of numbers`);
  for (const x of v) {
    if (typeof x !== 'number') fail(`image "${imageId}": "embedding" holds a non-number (${JSON.stringify(x)})`);
  }
  return v as number[];
}

function parseImages(v: unknown, itemIds: Set<string>): ImageSpec[] {
  if (!Array.isArray(v)) fail('"images" must be a list');
  const ids = new Set<string>();
  return v.map((raw, i) => {
    const { entry, id } = uniqueEntry(raw, 'images', i, ids);
    const item = nonEmptyString(entry.item, () => `image "${id}": "item"`);
    if (!itemIds.has(item)) fail(`image "${id}" refers to unknown item id "${item}"`);
    const image: ImageSpec = { id, item };
    if (entry.uri !== undefined) image.uri = nonEmptyString(entry.uri, () => `image "${id}": "uri"`);
    const embedding = parseEmbedding(entry.embedding, id);
    if (embedding) image.embedding = embedding;
    return image;
  });
}

/** Validates parsed manifest JSON; throws a UserInputError naming the first problem. */
export function parseManifest(json: unknown): DatasetManifest {
  if (!isObject(json)) fail('must be a JSON object with "items" and "images"');
  const items = parseItems(json.items);
  const images = parseImages(json.images, new Set(items.map((i) => i.id)));
  if (items.length === 0) fail('empty dataset: no items');
  if (images.length === 0) fail('empty dataset: no images');
  const name = json.name === undefined ? 'dataset' : nonEmptyString(json.name, () => '"name"');
  return { name, categoryWeights: parseWeights(json.categoryWeights), items, images };
}

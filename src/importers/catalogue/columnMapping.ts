// Which catalogue columns hold the item id, the images and the tags: given (flags, a JSON file), checked, or inferred from the rows.
import { UserInputError } from '../../errors.js';
import type { Cell, TableRow } from './tableReader.js';

export interface ColumnMapping {
  /** The item id column. */
  id: string;
  /** Image columns, in the order the item's images take. */
  images: string[];
  /** Splits each image cell into several images (for one multi-valued image column). */
  imageDelimiter: string | null;
  /** Tag columns, in the order the item's tags take; each is a category. */
  tags: string[];
  /** Splits each tag cell into several tags of its category ("red|white"). */
  tagDelimiter: string | null;
  /** Column -> category name, for categories named other than their column. */
  rename: Record<string, string>;
}

/** What a user gave: any field may be left out, to be inferred. `drop` takes tag columns away again. */
export interface PartialMapping {
  id?: string;
  images?: string[];
  imageDelimiter?: string | null;
  tags?: string[];
  tagDelimiter?: string | null;
  rename?: Record<string, string>;
  drop?: string[];
}

const ID_NAMES = /^(item[ _-]?id|product[ _-]?id|article[ _-]?(id|number)?|sku|id)$/i;
const IMAGE_NAMES = /image|img|photo|picture|thumbnail/i;
const IMAGE_VALUES = /^(https?:\/\/|s3:\/\/)|\.(jpe?g|png|webp|gif|avif|tiff?|bmp)(\?.*)?$/i;
/** Columns of text or numbers about an item rather than tags of it. */
const NOT_TAG_NAMES =
  /^(name|title|description|desc|details?|notes?|comments?|url|link|.*price.*|cost|quantity|qty|stock|weight|created.*|updated.*)$/i;
const NUMBER = /^-?\d+([.,]\d+)?$/;
const DELIMITERS = ['|', ';'];
/** A column whose sampled values are this unique (and many) reads as free text (names, descriptions), not as tags. */
const FREE_TEXT_UNIQUENESS = 0.5;
const FREE_TEXT_MIN_DISTINCT = 20;

function fail(message: string): never {
  throw new UserInputError(`column mapping: ${message}`);
}

function stringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) fail(`"${field}" must be a list of column names`);
  return value as string[];
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') fail(`"${field}" must be a non-empty string`);
  return value;
}

/** Reads the mapping JSON file's object (every field optional). */
export function parseMappingJson(json: unknown): PartialMapping {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('must be a JSON object { "id", "images", "tags", ... }');
  const o = json as Record<string, unknown>;
  const known = new Set(['id', 'images', 'imageDelimiter', 'tags', 'tagDelimiter', 'rename', 'drop']);
  const unknown = Object.keys(o).filter((k) => !known.has(k));
  if (unknown.length > 0)
    fail(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (fields: ${[...known].join(', ')})`);
  const rename = o.rename === undefined ? undefined : o.rename;
  if (
    rename !== undefined &&
    (typeof rename !== 'object' ||
      rename === null ||
      Array.isArray(rename) ||
      Object.values(rename).some((v) => typeof v !== 'string' || v === ''))
  ) {
    fail('"rename" must be an object of column -> category name');
  }
  return {
    id: optionalString(o.id, 'id'),
    images: o.images === undefined ? undefined : typeof o.images === 'string' ? [o.images] : stringList(o.images, 'images'),
    imageDelimiter: optionalString(o.imageDelimiter, 'imageDelimiter'),
    tags: o.tags === undefined ? undefined : stringList(o.tags, 'tags'),
    tagDelimiter: optionalString(o.tagDelimiter, 'tagDelimiter'),
    rename: rename as Record<string, string> | undefined,
    drop: o.drop === undefined ? undefined : stringList(o.drop, 'drop'),
  };
}

/** `given` with `over`'s fields laid on top (flags over the file). */
export function mergeMappings(given: PartialMapping, over: PartialMapping): PartialMapping {
  const merged: PartialMapping = { ...given };
  for (const [key, value] of Object.entries(over)) if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
  if (given.rename || over.rename) merged.rename = { ...given.rename, ...over.rename };
  return merged;
}

function texts(cell: Cell | undefined): string[] {
  if (cell === null || cell === undefined) return [];
  return Array.isArray(cell) ? cell : [cell];
}

function values(rows: TableRow[], column: string): string[] {
  return rows.flatMap((row) => texts(row.cells[column])).filter((v) => v.trim() !== '');
}

function delimiterIn(sample: string[]): string | null {
  return DELIMITERS.find((d) => sample.some((v) => v.includes(d))) ?? null;
}

function looksLikeImages(sample: string[]): boolean {
  return sample.length > 0 && sample.filter((v) => IMAGE_VALUES.test(v.trim())).length >= sample.length / 2;
}

function looksLikeFreeText(column: string, sample: string[]): boolean {
  if (NOT_TAG_NAMES.test(column.trim()) || (sample.length > 0 && sample.every((v) => NUMBER.test(v.trim())))) return true;
  const distinct = new Set(sample).size;
  return distinct >= FREE_TEXT_MIN_DISTINCT && distinct > sample.length * FREE_TEXT_UNIQUENESS;
}

/**
 * The full mapping: what was given, the rest inferred from the columns and the first rows (id: a column named like
 * an id, else the first; images: columns named like images or holding paths/URLs; tags: the other columns except
 * names, descriptions, prices, numbers and other free text; delimiters: "|" or ";" where values hold one). `inferred` lists the fields that were not given.
 */
export function completeMapping(
  columns: string[],
  sample: TableRow[],
  given: PartialMapping,
): { mapping: ColumnMapping; inferred: string[] } {
  const inferred: string[] = [];
  const has = new Set(columns);
  const check = (column: string, field: string) => {
    if (!has.has(column)) fail(`${field} column "${column}" is not in the file (columns: ${columns.join(', ')})`);
  };
  if (given.id !== undefined) check(given.id, 'id');
  for (const c of given.images ?? []) check(c, 'image');
  for (const c of given.tags ?? []) check(c, 'tag');
  for (const c of [...(given.drop ?? []), ...Object.keys(given.rename ?? {})]) check(c, 'tag');
  const id = given.id ?? (inferred.push('id'), columns.find((c) => ID_NAMES.test(c.trim())) ?? columns[0]);
  const images =
    given.images ??
    (inferred.push('images'), columns.filter((c) => c !== id && (IMAGE_NAMES.test(c) || looksLikeImages(values(sample, c)))));
  if (images.length === 0) fail(`no image column${given.images ? '' : ' found'} (name it with --image <column>)`);
  if (images.includes(id)) fail(`column "${id}" cannot be both the id and an image column`);
  const imageDelimiter =
    given.imageDelimiter !== undefined
      ? given.imageDelimiter
      : (inferred.push('imageDelimiter'), delimiterIn(images.flatMap((c) => values(sample, c))));
  const dropped = new Set(given.drop ?? []);
  const candidates =
    given.tags ??
    (inferred.push('tags'), columns.filter((c) => c !== id && !images.includes(c) && !looksLikeFreeText(c, values(sample, c))));
  const tags = candidates.filter((c) => !dropped.has(c));
  const overlap = tags.find((c) => c === id || images.includes(c));
  if (overlap !== undefined) fail(`column "${overlap}" cannot be both a tag column and the ${overlap === id ? 'id' : 'image'} column`);
  const tagDelimiter =
    given.tagDelimiter !== undefined
      ? given.tagDelimiter
      : (inferred.push('tagDelimiter'), delimiterIn(tags.flatMap((c) => values(sample, c))));
  const rename = Object.fromEntries(Object.entries(given.rename ?? {}).filter(([column]) => tags.includes(column)));
  const categories = tags.map((c) => rename[c] ?? c);
  const twice = categories.find((c, i) => categories.indexOf(c) !== i);
  if (twice !== undefined) fail(`two tag columns make the category "${twice}" (rename one)`);
  return { mapping: { id, images, imageDelimiter, tags, tagDelimiter, rename }, inferred };
}

function quote(value: string): string {
  return /^[\w./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The mapping as import-catalogue flags, to copy and edit. */
export function mappingFlags(mapping: ColumnMapping): string {
  const flags = [`--id ${quote(mapping.id)}`, ...mapping.images.map((c) => `--image ${quote(c)}`)];
  if (mapping.imageDelimiter !== null) flags.push(`--image-delimiter ${quote(mapping.imageDelimiter)}`);
  flags.push(...mapping.tags.map((c) => `--tag ${quote(c)}`));
  if (mapping.tagDelimiter !== null) flags.push(`--tag-delimiter ${quote(mapping.tagDelimiter)}`);
  flags.push(...Object.entries(mapping.rename).map(([c, name]) => `--rename ${quote(`${c}=${name}`)}`));
  return flags.join(' ');
}

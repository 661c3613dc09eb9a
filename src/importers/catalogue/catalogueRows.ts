// Turns a catalogue row into an item (id, tags in column order, image uris) and the reasons it cannot be one.
import { isAbsolute, normalize, relative, sep } from 'node:path';
import { confineS3Uri } from '../../catalog/manifestRoots.js';
import type { Tag } from '../../metric/dataset.js';
import { isS3Uri, parseS3Uri } from '../../storage/s3Uri.js';
import type { ColumnMapping } from './columnMapping.js';
import type { Cell, TableRow } from './tableReader.js';

export interface CatalogueRow {
  line: number;
  /** Empty when the row has no id. */
  id: string;
  /** Image uris: http(s) URLs, s3:// URIs, or paths relative to the catalogue's folder; repeats left out. */
  images: string[];
  /** In column order, then cell order, trimmed; repeats within a category left out. */
  tags: Tag[];
  /** Tag values as written where they had surrounding spaces ("navy "), for the near-duplicates. */
  respelt: Tag[];
  /** Why the row cannot be stored (an empty list for a good row). */
  problems: string[];
}

export interface RowContext {
  mapping: ColumnMapping;
  /** The catalogue's folder: local image paths must lie inside it. */
  rootDir: string;
  /** Where s3:// images may lie (an import through the API); null: anywhere. */
  s3Roots: readonly string[] | null;
}

/** The problem of a row without any image. */
export const NO_IMAGE = 'no image';
const OTHER_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** The cell's values as written (split by the delimiter), blank ones left out. */
function rawValues(cell: Cell | undefined, delimiter: string | null): string[] {
  if (cell === null || cell === undefined) return [];
  const parts = Array.isArray(cell) ? cell : [cell];
  const values = delimiter === null ? parts : parts.flatMap((part) => part.split(delimiter));
  return values.filter((v) => v.trim() !== '');
}

function split(cell: Cell | undefined, delimiter: string | null): string[] {
  return rawValues(cell, delimiter).map((v) => v.trim());
}

/** The uri as stored, or the reason it cannot be an image. */
function imageUri(value: string, context: RowContext): { uri: string } | { problem: string } {
  if (/^https?:\/\//i.test(value)) return URL.canParse(value) ? { uri: value } : { problem: `image ${value}: malformed URL` };
  if (isS3Uri(value)) {
    try {
      parseS3Uri(value);
      if (context.s3Roots !== null) confineS3Uri(value, context.s3Roots, 'image');
      return { uri: value };
    } catch (error) {
      return { problem: `image ${value}: ${(error as Error).message}` };
    }
  }
  if (OTHER_SCHEME.test(value) && !isAbsolute(value))
    return { problem: `image ${value}: only paths, http(s) URLs and s3://bucket/key are supported` };
  const rel = isAbsolute(value) ? relative(context.rootDir, value) : normalize(value);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
    return { problem: `image ${value}: outside the catalogue's folder` };
  return { uri: rel.split(sep).join('/') };
}

export function catalogueRow(row: TableRow, context: RowContext): CatalogueRow {
  const { mapping } = context;
  const problems = row.problem === undefined ? [] : [row.problem];
  const ids = split(row.cells[mapping.id], null);
  const id = ids.length === 1 ? ids[0] : '';
  if (row.problem === undefined && ids.length !== 1)
    problems.push(ids.length === 0 ? `no item id (column "${mapping.id}" is empty)` : `several item ids in column "${mapping.id}"`);
  const images: string[] = [];
  let badImages = 0;
  for (const column of mapping.images) {
    for (const value of split(row.cells[column], mapping.imageDelimiter)) {
      const checked = imageUri(value, context);
      if ('problem' in checked) badImages = problems.push(checked.problem);
      else if (!images.includes(checked.uri)) images.push(checked.uri);
    }
  }
  if (row.problem === undefined && images.length === 0 && badImages === 0) problems.push(NO_IMAGE);
  const tags: Tag[] = [];
  const respelt: Tag[] = [];
  for (const column of mapping.tags) {
    const category = mapping.rename[column] ?? column;
    for (const raw of rawValues(row.cells[column], mapping.tagDelimiter)) {
      const name = raw.trim();
      if (raw !== name) respelt.push({ category, name: raw });
      if (!tags.some((t) => t.category === category && t.name === name)) tags.push({ category, name });
    }
  }
  return { line: row.line, id, images, tags, respelt, problems };
}

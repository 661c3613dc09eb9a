// Reads the openmoji npm package: its version, the emoji rows of data/openmoji.csv and where their SVGs lie.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UserInputError } from '../errors.js';
import { parseCsv } from '../io/csv.js';
import { readJsonFile } from '../io/jsonFile.js';

export interface OpenmojiRow {
  /** Code points in hex joined by "-" (e.g. 1F600, 1F44B-1F3FB): the id of the emoji and the name of its SVGs. */
  hexcode: string;
  group: string;
  subgroups: string[];
  /** The `tags` column, then the `openmoji_tags` column: split on commas, trimmed, lower-cased, without repeats. */
  keywords: string[];
  /** A skin-tone variant (the `skintone` column is set) of the emoji `skintoneBase` (may be empty), or a base emoji. */
  skintone: boolean;
  skintoneBase: string;
}

export interface OpenmojiPackage {
  dir: string;
  version: string;
  /** In the CSV's order. */
  rows: OpenmojiRow[];
}

export type OpenmojiStyle = 'color' | 'black';
/** PNG width and height of an imported emoji unless the import asks for another. */
export const DEFAULT_OPENMOJI_SIZE = 72;

const COLUMNS = ['hexcode', 'group', 'subgroups', 'tags', 'openmoji_tags', 'skintone', 'skintone_base_hexcode'] as const;
/** Hexcodes name files: nothing but hex digits and dashes may reach a path. */
const HEXCODE = /^[0-9A-F]+(-[0-9A-F]+)*$/;

/** The folder of the installed openmoji package (a devDependency of this project). */
export function installedOpenmojiDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('openmoji/package.json'));
  } catch {
    throw new UserInputError(
      'the openmoji package is not installed: run `npm install openmoji` or give --source <folder of the openmoji package>',
      'NOT_FOUND',
    );
  }
}

/** Comma-separated words of all fields, trimmed and lower-cased, without empties and repeats, in first-seen order. */
export function splitWords(...fields: string[]): string[] {
  return [...new Set(fields.flatMap((field) => field.split(',')).map((word) => word.trim().toLowerCase()))].filter(
    (word) => word.length > 0,
  );
}

export function svgPath(dir: string, style: OpenmojiStyle, hexcode: string): string {
  return join(dir, style, 'svg', `${hexcode}.svg`);
}

async function readCsvText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UserInputError(
      `openmoji: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); --source must be the openmoji package folder`,
      'NOT_FOUND',
    );
  }
}

export async function readOpenmojiPackage(dir: string): Promise<OpenmojiPackage> {
  const csvPath = join(dir, 'data', 'openmoji.csv');
  const [header, ...records] = parseCsv(await readCsvText(csvPath));
  const column = Object.fromEntries(
    COLUMNS.map((name) => {
      const index = header?.indexOf(name) ?? -1;
      if (index < 0) throw new UserInputError(`openmoji: ${csvPath} has no "${name}" column`);
      return [name, index];
    }),
  ) as Record<(typeof COLUMNS)[number], number>;
  const rows = records.map((record, i): OpenmojiRow => {
    const field = (name: (typeof COLUMNS)[number]) => (record[column[name]] ?? '').trim();
    const hexcode = field('hexcode');
    if (!HEXCODE.test(hexcode)) throw new UserInputError(`openmoji: ${csvPath} row ${i + 2}: bad hexcode ${JSON.stringify(hexcode)}`);
    if (field('group') === '') throw new UserInputError(`openmoji: ${csvPath} row ${i + 2} (${hexcode}): empty group`);
    return {
      hexcode,
      group: field('group'),
      subgroups: splitWords(field('subgroups')),
      keywords: splitWords(field('tags'), field('openmoji_tags')),
      skintone: field('skintone') !== '',
      skintoneBase: field('skintone_base_hexcode'),
    };
  });
  const { version } = (await readJsonFile(join(dir, 'package.json'), 'openmoji package.json')) as { version?: unknown };
  return { dir, version: typeof version === 'string' ? version : 'unknown version', rows };
}

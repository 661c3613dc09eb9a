// Streams the rows of a CSV, TSV, JSON Lines or Parquet file as cells by column name, each with its line (or row) number.
import type { ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import {
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
  type AsyncBuffer,
  type FileMetaData,
} from 'hyparquet';
import { UserInputError } from '../../errors.js';

export type TableFormat = 'csv' | 'tsv' | 'jsonl' | 'parquet';
export const TABLE_FORMATS: readonly TableFormat[] = ['csv', 'tsv', 'jsonl', 'parquet'];

/** A cell: text, a list (a JSON Lines array or a Parquet list column), or null when empty or absent. */
export type Cell = string | string[] | null;

export interface TableRow {
  /** CSV/TSV and JSON Lines: the line the row starts on (the header is line 1 of a CSV); Parquet: the row number from 1. */
  line: number;
  cells: Record<string, Cell>;
  /** Why the row could not be read as cells (then `cells` is empty). */
  problem?: string;
}

export interface Table {
  format: TableFormat;
  /** Column names in file order (JSON Lines: the keys of the first rows, in order of appearance). */
  columns: string[];
  rows: AsyncIterable<TableRow>;
}

/** JSON Lines rows read to learn the columns. */
const JSONL_COLUMN_SAMPLE = 100;
/** Bytes read to find a CSV's separator in its header line. */
const HEADER_PEEK_BYTES = 64 * 1024;
/** Parquet rows decoded at once (a row group can hold millions). */
const PARQUET_SLICE = 10_000;

export function formatOf(path: string, given?: string): TableFormat {
  const format = (given ?? extname(path).slice(1)).toLowerCase();
  const known = format === 'tab' ? 'tsv' : format === 'ndjson' || format === 'json' ? 'jsonl' : format;
  if (!TABLE_FORMATS.includes(known as TableFormat)) {
    throw new UserInputError(
      `${path}: cannot tell the format from "${format}" (use .csv, .tsv, .jsonl or .parquet, or give the format: ${TABLE_FORMATS.join(', ')})`,
    );
  }
  return known as TableFormat;
}

function cellOf(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map(String);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  const text = String(value);
  return text === '' ? null : text;
}

function unreadable(path: string, error: unknown): UserInputError {
  const e = error as NodeJS.ErrnoException & { lines?: number };
  if (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR')
    return new UserInputError(`${path}: cannot read (${e.code})`, 'NOT_FOUND');
  return new UserInputError(`${path}${e.lines ? ` line ${e.lines}` : ''}: ${e.message}`);
}

/** A stream of the file's bytes; a file that cannot be opened is an error here, not on the stream later. */
async function readStream(path: string): Promise<ReadStream> {
  try {
    return (await open(path, 'r')).createReadStream();
  } catch (error) {
    throw unreadable(path, error);
  }
}

async function* delimitedRows(source: ReadStream, path: string, delimiter: string): AsyncGenerator<{ line: number; fields: string[] }> {
  const parser = parse({ delimiter, bom: true, relax_column_count: true, skip_empty_lines: true, info: true });
  source.once('error', (error) => parser.destroy(error));
  source.pipe(parser);
  let lastLine = 0;
  let lastEmpty = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number; empty_lines: number } }>) {
      // info.lines is the line the record ends on; it starts after the previous record and the empty lines between.
      const line = lastLine + 1 + (info.empty_lines - lastEmpty);
      lastLine = info.lines;
      lastEmpty = info.empty_lines;
      yield { line, fields: record };
    }
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    source.destroy(); // a reader that stops early closes the file too
  }
}

/** A CSV's separator: the one of , ; and tab its first line holds most often outside quotes (a comma when none). */
async function csvSeparator(path: string): Promise<string> {
  const file = await open(path, 'r').catch((error: unknown) => {
    throw unreadable(path, error);
  });
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(HEADER_PEEK_BYTES), 0, HEADER_PEEK_BYTES, 0);
    const header = buffer
      .subarray(0, bytesRead)
      .toString('utf8')
      .split(/\r?\n/)[0]
      .replace(/"[^"]*"/g, '');
    const counts = [',', ';', '\t'].map((separator) => ({ separator, count: header.split(separator).length - 1 }));
    return counts.reduce((best, c) => (c.count > best.count ? c : best)).separator;
  } finally {
    await file.close();
  }
}

async function openDelimited(path: string, format: 'csv' | 'tsv'): Promise<Table> {
  const separator = format === 'tsv' ? '\t' : await csvSeparator(path);
  const records = delimitedRows(await readStream(path), path, separator);
  const first = await records.next();
  if (first.done) throw new UserInputError(`${path}: empty (expected a header row naming the columns)`);
  const columns = first.value.fields.map((c) => c.trim());
  async function* rows(): AsyncGenerator<TableRow> {
    for await (const { line, fields } of records) {
      if (fields.length !== columns.length) {
        yield {
          line,
          cells: {},
          problem: `${fields.length} fields where the header has ${columns.length} (an unquoted "${separator === '\t' ? 'tab' : separator}" in a value?)`,
        };
        continue;
      }
      const cells: Record<string, Cell> = {};
      columns.forEach((column, i) => (cells[column] = fields[i] === '' ? null : fields[i]));
      yield { line, cells };
    }
  }
  return { format, columns, rows: rows() };
}

function jsonRow(text: string, line: number): TableRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { line, cells: {}, problem: 'not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { line, cells: {}, problem: 'not a JSON object' };
  return { line, cells: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cellOf(v)])) };
}

async function openJsonLines(path: string): Promise<Table> {
  const input = await readStream(path);
  const lines = createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]();
  let number = 0;
  async function* parsed(): AsyncGenerator<TableRow> {
    try {
      for (let next = await lines.next(); !next.done; next = await lines.next()) {
        number++;
        const text = number === 1 ? next.value.replace(/^\uFEFF/, '') : next.value;
        if (text.trim() !== '') yield jsonRow(text, number);
      }
    } catch (error) {
      throw unreadable(path, error);
    } finally {
      input.destroy();
    }
  }
  const source = parsed();
  const head: TableRow[] = [];
  const columns = new Set<string>();
  while (head.length < JSONL_COLUMN_SAMPLE) {
    const next = await source.next();
    if (next.done) break;
    head.push(next.value);
    for (const key of Object.keys(next.value.cells)) columns.add(key);
  }
  if (head.length === 0) throw new UserInputError(`${path}: empty (expected one JSON object per line)`);
  async function* rows(): AsyncGenerator<TableRow> {
    yield* head;
    yield* source;
  }
  return { format: 'jsonl', columns: [...columns], rows: rows() };
}

async function openParquet(path: string): Promise<Table> {
  let file: AsyncBuffer;
  let metadata: FileMetaData;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw unreadable(path, error);
  }
  const columns = parquetSchema(metadata).children.map((child) => child.element.name);
  const total = Number(metadata.num_rows);
  const source = file;
  async function* rows(): AsyncGenerator<TableRow> {
    for (let start = 0; start < total; start += PARQUET_SLICE) {
      let objects: Record<string, unknown>[];
      try {
        objects = await parquetReadObjects({ file: source, metadata, rowStart: start, rowEnd: Math.min(total, start + PARQUET_SLICE) });
      } catch (error) {
        throw unreadable(path, error);
      }
      for (let i = 0; i < objects.length; i++) {
        yield { line: start + i + 1, cells: Object.fromEntries(columns.map((c) => [c, cellOf(objects[i][c])])) };
      }
    }
  }
  return { format: 'parquet', columns, rows: rows() };
}

/** Opens a table for one pass over its rows; `format` overrides the file extension. */
export async function openTable(path: string, format?: string): Promise<Table> {
  const kind = formatOf(path, format);
  if (kind === 'parquet') return openParquet(path);
  if (kind === 'jsonl') return openJsonLines(path);
  return openDelimited(path, kind);
}

// ONNX external data (weights in files beside the .onnx): every location a model names is found and confined to the model's own folder.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, sep } from 'node:path';
import { UserInputError } from '../errors.js';
import { isOrtFormat, varint } from './onnxFile.js';

/** Message kinds of onnx.proto that can hold tensors, and which of their fields lead to which kind. */
type Kind = 'model' | 'training' | 'function' | 'graph' | 'node' | 'attribute' | 'sparse' | 'tensor' | 'entry';
const CHILDREN: Record<Kind, Record<number, Kind>> = {
  model: { 7: 'graph', 20: 'training', 25: 'function' },
  training: { 1: 'graph', 2: 'graph' },
  function: { 7: 'node' },
  graph: { 1: 'node', 5: 'tensor', 15: 'sparse' },
  node: { 5: 'attribute' },
  attribute: { 5: 'tensor', 6: 'graph', 10: 'tensor', 11: 'graph', 22: 'sparse', 23: 'sparse' },
  sparse: { 1: 'tensor', 2: 'tensor' },
  tensor: { 13: 'entry' },
  entry: {},
};
/** Subgraphs nest (If, Loop, Scan); deeper than this is no real model. */
const MAX_NESTING = 64;

/** The length-delimited fields of the message in bytes[start, end), as [field, start, end]. */
function* lengthFields(bytes: Uint8Array, start: number, end: number): Generator<[number, number, number]> {
  let offset = start;
  while (offset < end) {
    const key = varint(bytes, offset);
    if (key === null) throw new Error(`malformed field key at byte ${offset}`);
    const wire = key.value % 8;
    offset = key.next;
    if (wire === 0) {
      const value = varint(bytes, offset);
      if (value === null) throw new Error(`malformed varint at byte ${offset}`);
      offset = value.next;
    } else if (wire === 1 || wire === 5) {
      offset += wire === 1 ? 8 : 4;
    } else if (wire === 2) {
      const length = varint(bytes, offset);
      if (length === null || length.next + length.value > end) throw new Error(`field at byte ${offset} runs past its message`);
      yield [Math.floor(key.value / 8), length.next, length.next + length.value];
      offset = length.next + length.value;
    } else {
      throw new Error(`wire type ${wire} at byte ${offset}`);
    }
  }
  if (offset > end) throw new Error('a field runs past its message');
}

/** The "location" value of an external_data entry (StringStringEntryProto: key 1, value 2), else null. */
function entryLocation(bytes: Uint8Array, start: number, end: number): string | null {
  let key = '';
  let value = '';
  for (const [field, from, to] of lengthFields(bytes, start, end)) {
    const text = Buffer.from(bytes.subarray(from, to)).toString('utf8');
    if (field === 1) key = text;
    else if (field === 2) value = text;
  }
  return key === 'location' ? value : null;
}

function collect(bytes: Uint8Array, kind: Kind, start: number, end: number, depth: number, found: Set<string>): void {
  if (depth > MAX_NESTING) throw new Error(`graphs nested deeper than ${MAX_NESTING}`);
  for (const [field, from, to] of lengthFields(bytes, start, end)) {
    const child = CHILDREN[kind][field];
    if (child === 'entry') {
      const location = entryLocation(bytes, from, to);
      if (location !== null) found.add(location);
    } else if (child !== undefined) {
      collect(bytes, child, from, to, depth + 1, found);
    }
  }
}

/** Every external data location the model's tensors name (initializers, constants, subgraphs, functions); none in an ORT-format model. */
export function externalDataLocations(bytes: Uint8Array, model: string): string[] {
  if (isOrtFormat(bytes)) return [];
  const found = new Set<string>();
  try {
    collect(bytes, 'model', 0, bytes.length, 0, found);
  } catch (error) {
    throw new UserInputError(`model ${model}: not an ONNX model (${(error as Error).message})`);
  }
  return [...found];
}

/**
 * The folder onnxruntime resolves the model's external data in (the .onnx file's own, symlinks resolved) after
 * checking every location: a relative path without ".." naming a regular file inside that folder, symlinks
 * resolved. Returns the total size of those files, which counts against CORREMBED_MAX_ONNX_BYTES with the model, and
 * the files by location (in location order).
 */
export async function confineExternalData(
  onnxPath: string,
  bytes: Uint8Array,
  model: string,
): Promise<{ folder: string; bytes: number; files: { location: string; path: string }[] }> {
  const folder = await realpath(dirname(onnxPath));
  let total = 0;
  const files: { location: string; path: string }[] = [];
  for (const location of externalDataLocations(bytes, model).sort()) {
    const segments = location.split(/[\\/]/);
    if (location === '' || isAbsolute(location) || location.includes('\0') || segments.includes('..')) {
      throw new UserInputError(
        `model ${model}: external data "${location}" must be a file beside the model (a relative path without "..")`,
      );
    }
    let file: string;
    try {
      file = await realpath(join(folder, location));
    } catch (error) {
      throw new UserInputError(
        `model ${model}: cannot read external data "${location}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        'NOT_FOUND',
      );
    }
    if (!file.startsWith(folder + sep))
      throw new UserInputError(`model ${model}: external data "${location}" leads outside the model's folder`);
    const info = await stat(file);
    if (!info.isFile()) throw new UserInputError(`model ${model}: external data "${location}" is not a file`);
    total += info.size;
    files.push({ location, path: file });
  }
  return { folder, bytes: total, files };
}

/**
 * sha256 of what the model computes with: the .onnx bytes, then each external data file's location and content, so
 * that new weights beside an unchanged .onnx are a new model to the embedding cache. Without external data it is
 * the .onnx file's own sha256.
 */
export async function modelContentHash(onnxBytes: Uint8Array, files: readonly { location: string; path: string }[]): Promise<string> {
  const hash = createHash('sha256').update(onnxBytes);
  for (const { location, path } of files) {
    hash.update(`\0${location}\0`);
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

// NumPy .npy matrices (2-D, little-endian, C order): read float32/float16/float64 into float32, write float32 or float16.
import { open } from 'node:fs/promises';
import { UserInputError } from '../errors.js';
import { largeFloatArray } from '../linalg/hugePages.js';
import type { EmbeddingMatrix } from '../metric/embeddings.js';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  dataOffset: number;
}

function fail(source: string, message: string): never {
  throw new UserInputError(`${source}: not a usable .npy matrix: ${message}`);
}

function parseHeader(bytes: Buffer, source: string): NpyHeader {
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(MAGIC)) fail(source, 'missing the \\x93NUMPY magic');
  const major = bytes[6];
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = bytes.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail(source, 'truncated header');
    headerLength = bytes.readUInt32LE(8);
    start = 12;
  } else {
    return fail(source, `unsupported format version ${major}`);
  }
  if (start + headerLength > bytes.length) fail(source, 'truncated header');
  const text = bytes.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLength);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(source, 'malformed header');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : fail(source, `malformed shape (${shapeText})`)));
  return { descr, fortranOrder: fortran === 'True', shape, dataOffset: start + headerLength };
}

const HALF_TO_FLOAT = (() => {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) table[h] = sign * 2 ** -14 * (fraction / 1024);
    else if (exponent === 31) table[h] = fraction === 0 ? sign * Infinity : NaN;
    else table[h] = sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  return table;
})();

/** Decodes an .npy file's bytes; `source` names the file in error messages. */
export function parseNpyMatrix(bytes: Buffer, source: string): EmbeddingMatrix {
  const header = parseHeader(bytes, source);
  if (header.fortranOrder) fail(source, 'Fortran (column-major) order; save it with np.ascontiguousarray');
  if (header.shape.length !== 2) fail(source, `expected a 2-D array (images x dimensions), got shape (${header.shape.join(', ')})`);
  const [rows, dim] = header.shape;
  if (rows === 0 || dim === 0) fail(source, `empty array of shape (${rows}, ${dim})`);
  const itemSize = { '<f4': 4, '<f2': 2, '<f8': 8, '|f2': 2 }[header.descr];
  if (itemSize === undefined) {
    fail(source, `dtype '${header.descr}' is not supported (use little-endian float32 '<f4' or float16 '<f2')`);
  }
  const expected = rows * dim * itemSize;
  const available = bytes.length - header.dataOffset;
  if (available !== expected) {
    fail(source, `shape (${rows}, ${dim}) of '${header.descr}' needs ${expected} data bytes, file has ${available}`);
  }
  const n = rows * dim;
  const offset = bytes.byteOffset + header.dataOffset;
  let data: Float32Array;
  if (itemSize === 4 && offset % 4 === 0) {
    data = new Float32Array(bytes.buffer, offset, n);
  } else {
    // Converted (or realigned) values go to shared memory too, like a file read by readFileShared.
    data = largeFloatArray(false, n, true) as Float32Array;
    if (itemSize === 4) for (let i = 0; i < n; i++) data[i] = bytes.readFloatLE(header.dataOffset + i * 4);
    else if (itemSize === 8) for (let i = 0; i < n; i++) data[i] = bytes.readDoubleLE(header.dataOffset + i * 8);
    else for (let i = 0; i < n; i++) data[i] = HALF_TO_FLOAT[bytes.readUInt16LE(header.dataOffset + i * 2)];
  }
  return { rows, dim, data };
}

/** The raw half floats of a 2-D '<f2' .npy file (a view of `bytes`), checked against its header; `source` names the file in errors. */
export function npyFloat16Rows(bytes: Buffer, source: string): { rows: number; dim: number; float16: Uint8Array } {
  const header = parseHeader(bytes, source);
  if (header.descr !== '<f2' || header.fortranOrder || header.shape.length !== 2) {
    fail(source, `expected a C-order 2-D float16 array, got '${header.descr}' of shape (${header.shape.join(', ')})`);
  }
  const [rows, dim] = header.shape;
  if (bytes.length - header.dataOffset !== rows * dim * 2) fail(source, `shape (${rows}, ${dim}) does not match the file's size`);
  return { rows, dim, float16: bytes.subarray(header.dataOffset) };
}

/** Encodes a row-major float32 matrix as a version 1.0 .npy file ('<f4', C order). */
export function encodeNpyMatrix(data: Float32Array, rows: number, dim: number): Buffer {
  return encodeNpy('<f4', new Uint8Array(data.buffer, data.byteOffset, data.byteLength), rows, dim);
}

/** Encodes rows of IEEE half floats (little-endian, back to back, as float16.ts writes them) as a version 1.0 .npy file ('<f2'). */
export function encodeNpyFloat16(float16: Uint8Array, rows: number, dim: number): Buffer {
  if (float16.byteLength !== rows * dim * 2) throw new Error(`encodeNpyFloat16: ${float16.byteLength} bytes for ${rows} x ${dim}`);
  return encodeNpy('<f2', float16, rows, dim);
}

function encodeNpy(descr: NpyWriteType, data: Uint8Array, rows: number, dim: number): Buffer {
  return Buffer.concat([encodeNpyHeader(descr, rows, dim), data]);
}

/** The dtypes written: little-endian float32 and float16. */
export type NpyWriteType = '<f4' | '<f2';

/**
 * The version 1.0 header (magic to newline) of a C-order rows x dim matrix, padded with spaces to a multiple of 64
 * bytes, or to exactly `size` bytes (a multiple of 64, at least the unpadded length) so that a file's data can be
 * written before its row count is known.
 */
export function encodeNpyHeader(descr: NpyWriteType, rows: number, dim: number, size?: number): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  const unpadded = 10 + header.length + 1;
  const total = size ?? unpadded + ((64 - (unpadded % 64)) % 64);
  if (total % 64 !== 0 || total < unpadded || total - 10 > 0xffff)
    throw new Error(`encodeNpyHeader: ${total} bytes for a ${unpadded}-byte header`);
  header += `${' '.repeat(total - unpadded)}\n`;
  const prefix = Buffer.alloc(10);
  MAGIC.copy(prefix);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1')]);
}

/** Rows and columns of a 2-D .npy file from its header alone, or null when it is not one. */
export async function peekNpyShape(path: string): Promise<{ rows: number; dim: number } | null> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    const header = parseHeader(head.subarray(0, bytesRead), path);
    return header.shape.length === 2 ? { rows: header.shape[0], dim: header.shape[1] } : null;
  } catch {
    return null;
  } finally {
    await file.close();
  }
}

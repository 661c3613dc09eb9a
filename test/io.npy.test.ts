// .npy decoding: float32/float16/float64 matrices and every malformed-file error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUserInputError } from '../src/errors.js';
import { encodeNpyMatrix, parseNpyMatrix } from '../src/io/npy.js';

function npyWithHeader(header: string, data: Buffer, major = 1): Buffer {
  const lengthBytes = major === 1 ? 2 : 4;
  const prefixLength = 8 + lengthBytes;
  const padded = header + ' '.repeat((64 - ((prefixLength + header.length + 1) % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(prefixLength);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]).copy(prefix);
  if (major === 1) prefix.writeUInt16LE(padded.length, 8);
  else prefix.writeUInt32LE(padded.length, 8);
  return Buffer.concat([prefix, Buffer.from(padded, 'latin1'), data]);
}

const rejects = (bytes: Buffer, pattern: RegExp) =>
  assert.throws(
    () => parseNpyMatrix(bytes, 'e.npy'),
    (e: unknown) => isUserInputError(e) && pattern.test(e.message),
  );

test('npy: float32 round trip', () => {
  const data = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const m = parseNpyMatrix(encodeNpyMatrix(data, 2, 3), 'e.npy');
  assert.equal(m.rows, 2);
  assert.equal(m.dim, 3);
  assert.deepEqual([...m.data], [1, 2, 3, 4, 5, 6]);
});

test('npy: float16 (including subnormals and negatives) and float64, format version 2', () => {
  const halves = Buffer.alloc(8);
  [0x3c00, 0xc000, 0x0001, 0x7bff].forEach((h, i) => halves.writeUInt16LE(h, i * 2));
  const m = parseNpyMatrix(npyWithHeader("{'descr': '<f2', 'fortran_order': False, 'shape': (2, 2), }", halves), 'e.npy');
  assert.deepEqual([...m.data], [1, -2, 2 ** -24, 65504]);
  const doubles = Buffer.alloc(16);
  doubles.writeDoubleLE(0.25, 0);
  doubles.writeDoubleLE(-1.5, 8);
  const d = parseNpyMatrix(npyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }", doubles, 2), 'e.npy');
  assert.deepEqual([...d.data], [0.25, -1.5]);
});

test('npy: malformed files are refused with one clear message', () => {
  const four = Buffer.alloc(16);
  rejects(Buffer.from('not numpy at all'), /magic/);
  rejects(npyWithHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", four), /Fortran/);
  rejects(npyWithHeader("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", four), /dtype '>f4' is not supported/);
  rejects(npyWithHeader("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 1), }", four), /dtype '<i8'/);
  rejects(npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 1), }", four), /2-D/);
  rejects(npyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", four), /needs 24 data bytes, file has 16/);
  rejects(npyWithHeader("{'descr': '<f4', 'shape': (2, 2), }", four), /malformed header/);
  rejects(encodeNpyMatrix(new Float32Array(4), 2, 2).subarray(0, 30), /truncated/);
});

// Reads an .onnx file within the size limit and checks that it is an ONNX ModelProto (or ORT-format model) before onnxruntime parses it.
import { open } from 'node:fs/promises';
import { fileLimits } from '../storage/fileLimits.js';
import { UserInputError } from '../errors.js';

/** ModelProto fields (onnx.proto) and their protobuf wire types: 0 varint, 2 length-delimited. */
const MODEL_FIELDS = new Map([
  [1, 0], // ir_version
  [2, 2], // producer_name
  [3, 2], // producer_version
  [4, 2], // domain
  [5, 0], // model_version
  [6, 2], // doc_string
  [7, 2], // graph
  [8, 2], // opset_import
  [14, 2], // metadata_props
  [20, 2], // training_info
  [25, 2], // functions
]);
const IR_VERSION = 1;
const GRAPH = 7;

/** Reads a protobuf varint at `offset`: its value (exact below 2^53) and the offset after it, or null when malformed. */
export function varint(bytes: Uint8Array, offset: number): { value: number; next: number } | null {
  let value = 0;
  for (let i = 0; i < 10 && offset + i < bytes.length; i++) {
    const byte = bytes[offset + i];
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return { value, next: offset + i + 1 };
  }
  return null;
}

/**
 * Why `bytes` is not an ONNX ModelProto, or null when it may be one: every top-level field must be well formed
 * (known fields with their wire type, lengths inside the file, no groups) and ir_version and graph present. Linear in
 * the number of top-level fields (the graph is skipped by its length), so cheap before onnxruntime's full parse.
 */
export function modelProtoProblem(bytes: Uint8Array): string | null {
  const seen = new Set<number>();
  let offset = 0;
  while (offset < bytes.length) {
    const start = offset;
    const key = varint(bytes, offset);
    if (key === null) return `malformed protobuf field key at byte ${offset}`;
    const field = Math.floor(key.value / 8);
    const wire = key.value % 8;
    if (field === 0) return `protobuf field number 0 at byte ${offset}`;
    const expected = MODEL_FIELDS.get(field);
    if (expected !== undefined && expected !== wire) return `field ${field} has wire type ${wire}, expected ${expected}`;
    offset = key.next;
    if (wire === 0) {
      const value = varint(bytes, offset);
      if (value === null) return `malformed varint at byte ${offset}`;
      if (field === IR_VERSION && value.value < 1) return `ir_version ${value.value}`;
      offset = value.next;
    } else if (wire === 1 || wire === 5) {
      offset += wire === 1 ? 8 : 4;
    } else if (wire === 2) {
      const length = varint(bytes, offset);
      if (length === null) return `malformed length at byte ${offset}`;
      offset = length.next + length.value;
    } else {
      return `protobuf wire type ${wire} at byte ${start}`;
    }
    if (offset > bytes.length) return `field ${field} runs past the end of the file (truncated?)`;
    seen.add(field);
  }
  if (!seen.has(IR_VERSION)) return 'no ir_version';
  if (!seen.has(GRAPH)) return 'no graph';
  return null;
}

/** Whether the bytes are an onnxruntime ORT-format model (a FlatBuffer with file identifier "ORTM"), which onnxruntime checks itself. */
export function isOrtFormat(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.subarray(4, 8)).toString('latin1') === 'ORTM';
}

/** Refuses a model file larger than CORREMBED_MAX_ONNX_BYTES. */
export function checkOnnxSize(size: number, model: string, path: string): void {
  const { maxOnnxBytes } = fileLimits();
  if (size > maxOnnxBytes)
    throw new UserInputError(`model ${model}: ${path} is larger than the limit of ${maxOnnxBytes} bytes (CORREMBED_MAX_ONNX_BYTES)`);
}

/** The bytes of a model file: size checked before reading, ModelProto structure checked after; every refusal a UserInputError. */
export async function readOnnxFile(path: string, model: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserInputError(
      `model ${model}: cannot read ${path} (${code ?? 'error'})`,
      code === 'ENOENT' ? 'NOT_FOUND' : 'BAD_USER_INPUT',
    );
  }
  let bytes: Buffer;
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new UserInputError(`model ${model}: ${path} is not a file`);
    checkOnnxSize(stats.size, model, path);
    bytes = await handle.readFile();
    checkOnnxSize(bytes.length, model, path); // it may have grown since
  } catch (error) {
    if (error instanceof UserInputError) throw error;
    throw new UserInputError(`model ${model}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    await handle.close();
  }
  const problem = isOrtFormat(bytes) ? null : modelProtoProblem(bytes);
  if (problem !== null) throw new UserInputError(`model ${model}: not an ONNX model (${problem})`);
  return bytes;
}

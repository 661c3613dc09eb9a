// One evaluation's cached vectors written out as a NumPy .npy matrix beside a text file of image ids (`corrembed export-vectors`).
import { randomUUID } from 'node:crypto';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { EmbeddingCache } from '../embedding/embeddingCache.js';
import { encodeFloat16 } from '../embedding/float16.js';
import { UserInputError } from '../errors.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { encodeNpyHeader } from '../io/npy.js';

export type ExportDtype = 'float32' | 'float16';

export interface VectorExportRequest {
  runId: string;
  /** A model of the run, by id or name; may be left out when the run has one model. */
  model?: string;
  /** The .npy file to write; the ids go to idsPathFor(out). */
  out: string;
  dtype: ExportDtype;
  /** Images listed and vectors read per step (default PAGE). */
  pageSize?: number;
}

export interface VectorExportResult {
  rows: number;
  dim: number;
  dtype: ExportDtype;
  model: { id: string; name: string };
  /** The evaluation's status when exported (vectors of one still running may be incomplete). */
  evaluationStatus: string;
  datasetId: string;
  out: string;
  idsPath: string;
  /** Dataset images with no stored vector under the model (not read, not decodable, or not embedded yet). */
  missing: number;
}

/** Images listed and vectors read per step: a page of 2,048-d float32 rows is 32 MiB. */
const PAGE = 4096;
/**
 * The header is written last, when the row count is known, into room kept for it: 128 bytes hold any shape up to
 * 15 digits a side (numpy pads its own headers with spaces to a multiple of 64 bytes too).
 */
const HEADER_BYTES = 128;

/** `vectors.npy` -> `vectors.ids.txt`; a name without the .npy extension gets `.ids.txt` added. */
export function idsPathFor(out: string): string {
  const ext = extname(out);
  return ext.toLowerCase() === '.npy' ? `${out.slice(0, -ext.length)}.ids.txt` : `${out}.ids.txt`;
}

type RunModel = { id: string; name: string; onnxHash: string; preprocessHash: string };

function describe(models: { model: RunModel }[]): string {
  return models.map(({ model }) => `"${model.name}" (${model.id})`).join(', ');
}

/** The evaluation of the run that `wanted` names (a model id or name), or the run's only one when it names none. */
function pickEvaluation<E extends { model: RunModel }>(runId: string, evaluations: E[], wanted: string | undefined): E {
  if (wanted === undefined) {
    if (evaluations.length === 1) return evaluations[0];
    throw new UserInputError(
      `run "${runId}" evaluated ${evaluations.length} models; name one with --model <id or name>: ${describe(evaluations)}`,
    );
  }
  const byId = evaluations.find((e) => e.model.id === wanted);
  if (byId) return byId;
  const byName = evaluations.filter((e) => e.model.name === wanted);
  if (byName.length === 1) return byName[0];
  if (byName.length > 1) throw new UserInputError(`run "${runId}" has several models named "${wanted}": give its id: ${describe(byName)}`);
  throw new UserInputError(`model "${wanted}" is not in run "${runId}"; its models: ${describe(evaluations)}`, 'NOT_FOUND');
}

/** A file error on the output path as the user's problem, with the system's reason. */
function unwritable(path: string, error: unknown): never {
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code))
    throw new UserInputError(`cannot write "${path}": ${code === 'ENOENT' ? 'its folder does not exist' : code}`);
  throw error;
}

/** Refuses an --out that names a folder before anything is read. */
async function checkOut(path: string): Promise<void> {
  const found = await stat(path).catch(() => null);
  if (found?.isDirectory()) throw new UserInputError(`cannot write "${path}": it is a folder (give a file name such as vectors.npy)`);
}

async function openPartial(path: string): Promise<{ path: string; handle: FileHandle }> {
  const partial = join(dirname(path), `.${basename(path)}.${randomUUID()}.partial`);
  try {
    return { path: partial, handle: await open(partial, 'wx') };
  } catch (error) {
    return unwritable(path, error);
  }
}

/**
 * Writes the vectors the embedding cache holds for one evaluation's model over the run's dataset: rows in dataset
 * order, images without a vector left out (and counted), float32 (the stored float16 values, exactly) or float16 (the
 * stored bits). Both files are written to temporary names and renamed into place (ids first, then the matrix); nothing
 * is left behind on failure. Memory stays at one page of rows whatever the dataset's size.
 */
export async function exportRunVectors(
  prisma: PrismaClient,
  cache: EmbeddingCache,
  request: VectorExportRequest,
): Promise<VectorExportResult> {
  const run = await prisma.run.findUnique({
    where: { id: request.runId },
    select: {
      datasetId: true,
      evaluations: {
        orderBy: { id: 'asc' },
        select: { status: true, model: { select: { id: true, name: true, onnxHash: true, preprocessHash: true } } },
      },
    },
  });
  if (run === null) throw new UserInputError(`run "${request.runId}" not found`, 'NOT_FOUND');
  const evaluation = pickEvaluation(request.runId, run.evaluations, request.model);
  const { model } = evaluation;
  const idsPath = idsPathFor(request.out);
  await checkOut(request.out);
  await checkOut(idsPath);

  const matrix = await openPartial(request.out);
  let ids: { path: string; handle: FileHandle } | null = null;
  let done = false;
  try {
    ids = await openPartial(idsPath);
    const itemBytes = request.dtype === 'float32' ? 4 : 2;
    let rows = 0;
    let dim = 0;
    let missing = 0;
    let images = 0;
    let cursor: string | undefined;
    for (;;) {
      const page = await prisma.image.findMany({
        where: { datasetId: run.datasetId },
        orderBy: [{ position: 'asc' }, { id: 'asc' }],
        select: { id: true, externalId: true, contentHash: true },
        take: request.pageSize ?? PAGE,
        ...(cursor === undefined ? {} : { cursor: { id: cursor }, skip: 1 }),
      });
      if (page.length === 0) break;
      cursor = page[page.length - 1].id;
      images += page.length;
      const hashes = page.flatMap((image) => (image.contentHash ? [image.contentHash] : []));
      const vectors = await cache.get(model.onnxHash, model.preprocessHash, hashes);
      const kept: { externalId: string; vector: Float32Array }[] = [];
      for (const image of page) {
        const vector = image.contentHash ? vectors.get(image.contentHash) : undefined;
        if (vector === undefined) missing++;
        else kept.push({ externalId: image.externalId, vector });
      }
      if (kept.length === 0) continue;
      if (dim === 0) dim = kept[0].vector.length;
      const block = new Uint8Array(kept.length * dim * itemBytes);
      const asFloat32 = request.dtype === 'float32' ? new Float32Array(block.buffer) : null;
      let text = '';
      kept.forEach(({ externalId, vector }, r) => {
        if (vector.length !== dim) throw new Error(`image "${externalId}": stored vector has ${vector.length} dimensions, others ${dim}`);
        if (/[\r\n]/.test(externalId)) throw new UserInputError(`image id "${externalId}" holds a line break: the ids file cannot list it`);
        if (asFloat32) asFloat32.set(vector, r * dim);
        else block.set(encodeFloat16(vector), r * dim * 2); // float16 -> float32 -> float16 gives the stored bits back
        text += `${externalId}\n`;
      });
      await matrix.handle.write(block, 0, block.length, HEADER_BYTES + rows * dim * itemBytes);
      await ids.handle.write(text);
      rows += kept.length;
    }
    if (rows === 0) {
      throw new UserInputError(
        `run "${request.runId}": no vectors of model "${model.name}" are stored for its dataset's ${images} images` +
          ` (evaluation ${evaluation.status}; run an evaluation of the model on the dataset first)`,
        'NOT_EMBEDDED',
      );
    }
    await matrix.handle.write(encodeNpyHeader(request.dtype === 'float32' ? '<f4' : '<f2', rows, dim, HEADER_BYTES), 0, HEADER_BYTES, 0);
    await Promise.all([matrix.handle.datasync(), ids.handle.datasync()]);
    await Promise.all([matrix.handle.close(), ids.handle.close()]);
    await rename(ids.path, idsPath).catch((error) => unwritable(idsPath, error));
    await rename(matrix.path, request.out).catch((error) => unwritable(request.out, error));
    done = true;
    return {
      rows,
      dim,
      dtype: request.dtype,
      model: { id: model.id, name: model.name },
      evaluationStatus: evaluation.status,
      datasetId: run.datasetId,
      out: request.out,
      idsPath,
      missing,
    };
  } finally {
    if (!done) {
      // close() of an already closed handle rejects: ignored, as is a partial file renamed away already.
      await Promise.all([matrix.handle.close().catch(() => undefined), ids?.handle.close().catch(() => undefined)]);
      await Promise.all([rm(matrix.path, { force: true }), ids ? rm(ids.path, { force: true }) : undefined]);
    }
  }
}

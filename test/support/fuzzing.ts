// fast-check helpers for the fuzz tests: a fixed, printable seed, byte and JSON mutations, and the "user error or value" oracle.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UserInputError } from '../../src/errors.js';

/** FUZZ_SEED=<n> replays a run; fast-check prints the seed and the counterexample's path on failure. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261127);

/** Runs a property with the fixed seed and a bounded number of runs. */
export async function check<T>(arbitrary: fc.Arbitrary<T>, numRuns: number, predicate: (value: T) => Promise<void>): Promise<void> {
  await fc.assert(fc.asyncProperty(arbitrary, predicate), { numRuns, seed: FUZZ_SEED, endOnFailure: true });
}

/** Awaits `work`: it must give a value (handed to `valid` for checks) or fail with a UserInputError whose message is one line. */
export async function valueOrUserError<T>(work: () => Promise<T> | T, valid: (value: T) => void = () => undefined): Promise<void> {
  let value: T;
  try {
    value = await work();
  } catch (error) {
    if (!(error instanceof UserInputError))
      throw new Error(`expected a UserInputError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    assert.ok(error.message.length > 0 && !error.message.includes('\n'), `one-line message: ${JSON.stringify(error.message)}`);
    return;
  }
  valid(value);
}

/** A byte-level mutation: overwrite, truncate, insert or delete. */
const byteEdit = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
);

/** Mutations of `original`: 1 to `max` edits at random positions (mostly byte flips, which keep the structure). */
export function mutatedBytes(original: Uint8Array, max = 4): fc.Arbitrary<Buffer> {
  return fc.array(byteEdit, { minLength: 1, maxLength: max }).map((edits) => {
    let bytes = Buffer.from(original);
    for (const edit of edits) {
      const at = bytes.length === 0 ? 0 : edit.at % bytes.length;
      if (edit.kind === 'set') bytes[at] = edit.byte;
      else if (edit.kind === 'truncate') bytes = bytes.subarray(0, at);
      else if (edit.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), edit.bytes, bytes.subarray(at)]);
      else bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + edit.length)]);
    }
    return bytes;
  });
}

/** Every (container, key) pair of a JSON value, in a fixed order. */
function slots(value: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
  if (Array.isArray(value)) value.forEach((v, i) => (out.push([value, i]), slots(v, out)));
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) out.push([value as Record<string, unknown>, k]), slots(v, out);
  return out;
}

/** JSON values whose strings hold any code point, controls and lone surrogates included. */
export function anyJsonValue(maxDepth: number): fc.Arbitrary<unknown> {
  return fc.jsonValue({ maxDepth, stringUnit: 'binary' });
}

const jsonEdit = fc.record({ slot: fc.nat(), remove: fc.boolean(), value: anyJsonValue(3) });

/** Mutations of a valid JSON document: 1 to `max` of its fields or elements replaced by random JSON or removed. */
export function mutatedJson(original: unknown, max = 3): fc.Arbitrary<unknown> {
  return fc.array(jsonEdit, { minLength: 1, maxLength: max }).map((edits) => {
    const copy = structuredClone(original);
    for (const edit of edits) {
      const all = slots(copy);
      if (all.length === 0) break;
      const [container, key] = all[edit.slot % all.length];
      if (edit.remove && Array.isArray(container)) container.splice(key as number, 1);
      else if (edit.remove) delete (container as Record<string, unknown>)[key];
      else (container as Record<string | number, unknown>)[key] = edit.value;
    }
    return copy;
  });
}

// The JSON envelope of embed and aggregate invocations' answers: a result, or a user error that retrying cannot fix.
import { UserInputError, isUserInputError, type ErrorCode } from '../errors.js';

export type InvocationAnswer<T> = { ok: true; result: T } | { ok: false; error: { code: ErrorCode; message: string } };

/**
 * Runs a function's work: user errors come back as an answer (not retried); anything else is thrown, which the
 * Lambda runtime reports as a function error (retried by the executor).
 */
export async function answer<T>(work: () => Promise<T>): Promise<InvocationAnswer<T>> {
  try {
    return { ok: true, result: await work() };
  } catch (error) {
    if (isUserInputError(error)) return { ok: false, error: { code: error.code, message: error.message } };
    throw error;
  }
}

/** The result of an answer, or its user error rethrown. */
export function unwrap<T>(value: InvocationAnswer<T>): T {
  if (value.ok) return value.result;
  throw new UserInputError(value.error.message, value.error.code);
}

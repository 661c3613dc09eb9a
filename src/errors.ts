// User-facing error classes with stable codes; anything else is an internal fault.

export type ErrorCode = 'BAD_USER_INPUT' | 'NOT_FOUND' | 'INTERNAL';

/** An error caused by what the user sent; its message is safe and meant to be shown as is. */
export class UserInputError extends Error {
  readonly code: ErrorCode;

  constructor(message: string, code: ErrorCode = 'BAD_USER_INPUT') {
    super(message);
    this.name = 'UserInputError';
    this.code = code;
  }
}

export function isUserInputError(error: unknown): error is UserInputError {
  return error instanceof UserInputError;
}

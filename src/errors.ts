// User-facing error classes with stable codes; anything else is an internal fault.

export type ErrorCode = 'BAD_USER_INPUT' | 'NOT_FOUND' | 'NOT_EMBEDDED';

/** Longest message kept: values quoted from user files (ids, JSON) may be megabytes long. */
const MAX_MESSAGE_LENGTH = 2000;
/** C0 and C1 controls, DEL and the Unicode line separators: a message quoting them stays one line and cannot drive a terminal. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** The message as one printable line: controls written as \uXXXX escapes, the length capped. */
function oneLine(message: string): string {
  const line = message.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return line.length <= MAX_MESSAGE_LENGTH
    ? line
    : `${line.slice(0, MAX_MESSAGE_LENGTH)}... (${line.length - MAX_MESSAGE_LENGTH} more characters)`;
}

/** An error caused by what the user sent; its message is one printable line, safe and meant to be shown as is. */
export class UserInputError extends Error {
  readonly code: ErrorCode;

  constructor(message: string, code: ErrorCode = 'BAD_USER_INPUT') {
    super(oneLine(message));
    this.name = 'UserInputError';
    this.code = code;
  }
}

/** A bad configuration value, named by its variable (the process stops at start with this one line). */
export class ConfigError extends UserInputError {
  constructor(variable: string, problem: string) {
    super(`configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

export function isUserInputError(error: unknown): error is UserInputError {
  return error instanceof UserInputError;
}

// Checks a query's integer argument lies in its allowed range.
import { UserInputError } from '../errors.js';

/** The value when it is an integer in [min, max]; a BAD_USER_INPUT error naming the argument otherwise. */
export function integerInRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UserInputError(`${name} must be an integer from ${min} to ${max} (got ${value})`);
  return value;
}

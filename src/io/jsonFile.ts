// Reads a JSON file, turning missing files and syntax errors into one-line user errors.
import { readFile } from 'node:fs/promises';
import { UserInputError } from '../errors.js';

export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UserInputError(`${what} ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'NOT_FOUND');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${what} ${path}: malformed JSON (${(error as Error).message})`);
  }
}

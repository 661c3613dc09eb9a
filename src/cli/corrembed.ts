#!/usr/bin/env node
// The corrembed command line: dispatches `score` and `weights`, and turns errors into one-line messages.
import { isUserInputError } from '../errors.js';
import { SCORE_USAGE, scoreCommand } from './scoreCommand.js';
import { WEIGHTS_USAGE, weightsCommand } from './weightsCommand.js';

const USAGE = `corrembed: CorrEmbed scores for image embeddings (Borgersen et al., SGAI 2023)

${SCORE_USAGE}

${WEIGHTS_USAGE}`;

const commands: Record<string, (argv: string[]) => Promise<void>> = { score: scoreCommand, weights: weightsCommand };

function isArgumentError(error: unknown): error is Error {
  return error instanceof Error && String((error as NodeJS.ErrnoException).code ?? '').startsWith('ERR_PARSE_ARGS');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`corrembed: unknown command "${name}" (commands: ${Object.keys(commands).join(', ')})`);
    return 2;
  }
  try {
    await command(rest);
    return 0;
  } catch (error) {
    if (isUserInputError(error) || isArgumentError(error)) {
      console.error(`corrembed ${name}: ${error.message}`);
      return 2;
    }
    console.error(`corrembed ${name}: internal error: ${error instanceof Error ? error.message : String(error)}`);
    if (process.env.CORREMBED_DEBUG) console.error(error);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));

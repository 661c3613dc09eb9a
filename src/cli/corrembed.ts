#!/usr/bin/env node
// The corrembed command line: dispatches its commands (score, serve, function-host, ...) and turns errors into one-line messages.
import { isUserInputError } from '../errors.js';
import * as specs from './commandSpecs.js';

type Run = (argv: string[]) => Promise<void>;

interface Command {
  spec: specs.CommandSpec;
  /** Loads the command's modules: only the command that runs pays for them, and help and usage errors for none. */
  load(): Promise<Run>;
}

const commands: Record<string, Command> = {
  score: { spec: specs.SCORE, load: async () => (await import('./scoreCommand.js')).scoreCommand },
  weights: { spec: specs.WEIGHTS, load: async () => (await import('./weightsCommand.js')).weightsCommand },
  'import-catalogue': {
    spec: specs.IMPORT_CATALOGUE,
    load: async () => (await import('./importCatalogueCommand.js')).importCatalogueCommand,
  },
  'import-openmoji': { spec: specs.IMPORT_OPENMOJI, load: async () => (await import('./importOpenmojiCommand.js')).importOpenmojiCommand },
  'export-vectors': {
    spec: specs.EXPORT_VECTORS,
    load: async () => (await import('./exportVectorsCommand.js')).exportVectorsCommand,
  },
  embed: { spec: specs.EMBED, load: async () => (await import('./embedCommand.js')).embedCommand },
  serve: { spec: specs.SERVE, load: async () => (await import('./serveCommand.js')).serveCommand },
  import: { spec: specs.IMPORT, load: async () => (await import('./clientCommands.js')).importCommand },
  evaluate: { spec: specs.EVALUATE, load: async () => (await import('./clientCommands.js')).evaluateCommand },
  leaderboard: { spec: specs.LEADERBOARD, load: async () => (await import('./clientCommands.js')).leaderboardCommand },
  'function-host': { spec: specs.FUNCTION_HOST, load: async () => (await import('./functionHostCommand.js')).functionHostCommand },
};

function usage(): string {
  const texts = new Set(Object.values(commands).map((command) => command.spec.usage));
  return `corrembed: CorrEmbed scores for image embeddings (Borgersen et al., SGAI 2023)\n\n${[...texts].join('\n\n')}`;
}

function isArgumentError(error: unknown): error is Error {
  return error instanceof Error && String((error as NodeJS.ErrnoException).code ?? '').startsWith('ERR_PARSE_ARGS');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`corrembed: unknown command "${name}" (commands: ${Object.keys(commands).join(', ')})`);
    return 2;
  }
  try {
    // Flags are checked before any of the command's modules load; the command parses them again by the same spec.
    if (specs.parseCommand(command.spec, rest).values.help) {
      console.log(command.spec.usage);
      return 0;
    }
    await (await command.load())(rest);
    return 0;
  } catch (error) {
    if (isUserInputError(error) || isArgumentError(error)) {
      console.error(`corrembed ${name}: ${error.message}`);
      return 2;
    }
    console.error(`corrembed ${name}: internal error: ${error instanceof Error ? error.message : String(error)}`);
    const { VARIABLES } = await import('../config/schema.js');
    if (VARIABLES.CORREMBED_DEBUG.schema.safeParse(process.env.CORREMBED_DEBUG || undefined).data) console.error(error);
    return 1;
  }
}

/** Commands that keep serving after run() returns; the process ends when they stop it. */
const SERVING = new Set(['serve', 'function-host']);

/** Resolves once everything written to the stream so far is handed to the OS (pipes are asynchronous). */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

const argv = process.argv.slice(2);
const code = await main(argv);
if (SERVING.has(argv[0]) && code === 0) {
  process.exitCode = code;
} else {
  // One-shot commands end as soon as their output is written. Node 20's shutdown, process.exit's included, can
  // deadlock joining a V8 background compile thread (nodejs/node#54918; seen here in `score`, once also inside
  // process.exit), so with the native addon the process ends by _exit instead; not under a profiler or coverage,
  // which write their files during shutdown.
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  const observed = process.execArgv.some((flag) => /prof|inspect|coverage/.test(flag)) || process.env.NODE_V8_COVERAGE !== undefined;
  // Node itself listens to 'exit' in an ES module entry with top-level await (handleProcessExit: exit code 13 for an
  // await that never settles); only other listeners need the regular shutdown.
  const exitListeners = process.listeners('exit').filter((listener) => listener.name !== 'handleProcessExit');
  if (!observed && exitListeners.length === 0) {
    const { loadBlasGemm } = await import('../linalg/nativeAddon.js');
    loadBlasGemm().gemm?.exitNow(code);
  }
  process.exit(code);
}

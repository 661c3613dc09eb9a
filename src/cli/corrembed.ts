#!/usr/bin/env node
// The corrembed command line: dispatches its commands (score, serve, function-host, ...) and turns errors into one-line messages.
import { isUserInputError } from '../errors.js';

interface Command {
  run(argv: string[]): Promise<void>;
  usage: string;
}

/** Commands load on demand, so `score` does not pay for the server's modules. */
const commands: Record<string, () => Promise<Command>> = {
  score: async () => import('./scoreCommand.js').then((m) => ({ run: m.scoreCommand, usage: m.SCORE_USAGE })),
  weights: async () => import('./weightsCommand.js').then((m) => ({ run: m.weightsCommand, usage: m.WEIGHTS_USAGE })),
  'import-catalogue': async () => import('./importCatalogueCommand.js').then((m) => ({ run: m.importCatalogueCommand, usage: m.IMPORT_CATALOGUE_USAGE })),
  'import-openmoji': async () => import('./importOpenmojiCommand.js').then((m) => ({ run: m.importOpenmojiCommand, usage: m.IMPORT_OPENMOJI_USAGE })),
  embed: async () => import('./embedCommand.js').then((m) => ({ run: m.embedCommand, usage: m.EMBED_USAGE })),
  serve: async () => import('./serveCommand.js').then((m) => ({ run: m.serveCommand, usage: m.SERVE_USAGE })),
  import: async () => import('./clientCommands.js').then((m) => ({ run: m.importCommand, usage: m.CLIENT_USAGE })),
  evaluate: async () => import('./clientCommands.js').then((m) => ({ run: m.evaluateCommand, usage: m.CLIENT_USAGE })),
  leaderboard: async () => import('./clientCommands.js').then((m) => ({ run: m.leaderboardCommand, usage: m.CLIENT_USAGE })),
  'function-host': async () => import('./functionHostCommand.js').then((m) => ({ run: m.functionHostCommand, usage: m.FUNCTION_HOST_USAGE })),
};

async function usage(): Promise<string> {
  const texts = new Set<string>();
  for (const load of Object.values(commands)) texts.add((await load()).usage);
  return `corrembed: CorrEmbed scores for image embeddings (Borgersen et al., SGAI 2023)\n\n${[...texts].join('\n\n')}`;
}

function isArgumentError(error: unknown): error is Error {
  return error instanceof Error && String((error as NodeJS.ErrnoException).code ?? '').startsWith('ERR_PARSE_ARGS');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(await usage());
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (!load) {
    console.error(`corrembed: unknown command "${name}" (commands: ${Object.keys(commands).join(', ')})`);
    return 2;
  }
  try {
    await (await load()).run(rest);
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

// `corrembed serve [--demo]`: starts the platform (embedded PostgreSQL unless DATABASE_URL), optionally seeds the demo.
import { loadConfig } from '../config.js';
import { seedDemo } from '../demo/seedDemo.js';
import { leaderboard } from '../analysis/leaderboard.js';
import { startPlatform } from '../platform.js';
import { parseCommand, SERVE } from './commandSpecs.js';
import { renderLeaderboard } from './leaderboardTable.js';

const log = (line: string): void => console.error(`[corrembed] ${line}`);

export async function serveCommand(argv: string[]): Promise<void> {
  const { values } = parseCommand(SERVE, argv);
  const config = loadConfig(values.port ? { ...process.env, PORT: values.port } : process.env);
  log(config.databaseUrl ? 'using DATABASE_URL' : `starting embedded PostgreSQL under ${config.dataDir}`);
  const platform = await startPlatform(config, log);
  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log('shutting down');
    await platform.close();
    process.exit(0);
  };
  // Persistent listeners: a library's signal-exit handler re-raises the signal when it is the last listener left,
  // which would kill the process before the database is stopped.
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  console.log(`Dashboard:      ${new URL('/', platform.server.url).href}`);
  console.log(`GraphQL API:    ${platform.server.url}`);
  console.log(`Subscriptions:  ${platform.server.wsUrl}`);
  if (platform.generatedAdminKey) {
    console.log(`Admin API key:  ${platform.generatedAdminKey}`);
    console.log('                (shown once, stored hashed; set CORREMBED_ADMIN_KEY to choose your own)');
  } else if (!config.adminKey) {
    console.log('Admin API key:  the one printed at the first start (set CORREMBED_ADMIN_KEY to use another)');
  }
  if (values.demo) {
    const seed = await seedDemo(platform, log);
    console.log(`\nDemo dataset ${seed.datasetId}, run ${seed.runId}. Leaderboard:\n`);
    const entries = await leaderboard(platform.db.prisma, seed.datasetId);
    console.log(renderLeaderboard(entries.map((e) => ({ ...e, model: { name: e.model.name, dim: e.model.dim, metadata: e.model } }))));
    console.log(
      `\nTry: curl -s ${platform.server.url} -H 'content-type: application/json' -d '{"query":"{ leaderboard(datasetId: \\"${seed.datasetId}\\") { edges { node { rank score model { name } } } } }"}'`,
    );
  }
  console.log('\nReady. Ctrl-C to stop.');
}

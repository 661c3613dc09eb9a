// Before `npm test` builds anything: checks the system packages the full suite needs and, if any is missing, stops with one line naming the command that installs them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';

/** Whether a TCP connection to host:port opens within the time limit (a PostgreSQL server answers there). */
function answers(host, port, ms = 3000) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function pythonImports(python, modules) {
  return spawnSync(python, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' }).status === 0;
}

const server = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
const host = server.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
const port = Number(server.port || 5432);
const chromium = process.env.CORREMBED_CHROMIUM ?? '/usr/bin/chromium';

/** What the full suite needs, and the Debian packages that provide each. */
const checks = [
  { what: `PostgreSQL at ${host}:${port}`, ok: await answers(host, port), packages: ['postgresql'] },
  { what: `chromium at ${chromium}`, ok: existsSync(chromium), packages: ['chromium'] },
  {
    what: `${process.env.PYTHON ?? 'python3'} with numpy`,
    ok: pythonImports(process.env.PYTHON ?? 'python3', ['numpy']),
    packages: ['python3-numpy'],
  },
  {
    what: '/usr/bin/python3 with torch and torchvision',
    ok: pythonImports('/usr/bin/python3', ['numpy', 'torch', 'torchvision', 'PIL']),
    packages: ['python3-numpy', 'python3-torch', 'python3-torchvision', 'python3-pil'],
  },
];
const missing = checks.filter((check) => !check.ok);
if (missing.length > 0) {
  const packages = [...new Set(missing.flatMap((check) => check.packages))].join(' ');
  const postgres = missing.some((check) => check.packages.includes('postgresql'))
    ? ' (PostgreSQL: user postgres without a password, or set DATABASE_URL)'
    : '';
  console.error(
    `npm test needs ${missing.map((check) => check.what).join(', ')}: sudo apt-get install -y ${packages}${postgres}; npm run test:unit runs the tests that need none of them`,
  );
  process.exit(1);
}

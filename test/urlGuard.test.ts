// URL fetches reach public addresses only: loopback, private, link-local and their disguises are refused, redirects re-checked per hop.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { UserInputError } from '../src/errors.js';
import { isNonPublicAddress, type UrlPolicy } from '../src/imaging/addressPolicy.js';
import { readImageBytes } from '../src/imaging/imageSource.js';

const BODY = Buffer.from('not really an image');
const PUBLIC_ONLY: UrlPolicy = { allowPrivate: false, allowHosts: [] };
/** Requests each test server received, by path. */
const received: Record<'a' | 'b', string[]> = { a: [], b: [] };
let serverA: Server;
let serverB: Server;
let a: string;
let b: string;
let portB: number;

function listen(name: 'a' | 'b', handle: (url: string, res: import('node:http').ServerResponse) => void): Promise<Server> {
  const server = createServer((req, res) => {
    received[name].push(req.url!);
    handle(req.url!, res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

before(async () => {
  serverB = await listen('b', (_url, res) => res.end(BODY));
  portB = (serverB.address() as AddressInfo).port;
  serverA = await listen('a', (url, res) => {
    const to = new URLSearchParams(url.split('?')[1] ?? '').get('to');
    if (url.startsWith('/redirect') && to) res.writeHead(302, { location: to }).end();
    else if (url.startsWith('/loop')) res.writeHead(307, { location: '/loop' }).end();
    else res.end(BODY);
  });
  a = `127.0.0.1:${(serverA.address() as AddressInfo).port}`;
  b = `127.0.0.1:${portB}`;
});
after(async () => {
  for (const server of [serverA, serverB]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function refused(
  uri: string,
  policy: UrlPolicy = PUBLIC_ONLY,
  pattern = /: refused to connect: .* not a public address \(CORREMBED_ALLOW_PRIVATE_URLS or CORREMBED_URL_ALLOW_HOSTS allow it\)$/,
): Promise<void> {
  await assert.rejects(readImageBytes(uri, '/nonexistent', { urls: policy, timeoutMs: 5000 }), (error: unknown) => {
    assert.ok(error instanceof UserInputError, String(error));
    assert.match(error.message, pattern, uri);
    assert.equal(error.message.startsWith(`image ${uri}: `), true);
    return true;
  });
}

test('addresses: private, loopback, link-local, unique-local, CGNAT, multicast, unspecified and mapped forms are not public', () => {
  const nonPublic = [
    '127.0.0.1',
    '127.255.0.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '224.0.0.251',
    '239.255.255.250',
    '255.255.255.255',
    '198.18.0.1',
    '::',
    '::1',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::a00:1',
    '::127.0.0.1',
    'not an address',
  ];
  for (const address of nonPublic) assert.equal(isNonPublicAddress(address), true, address);
  for (const address of [
    '8.8.8.8',
    '1.1.1.1',
    '100.63.255.255',
    '100.128.0.0',
    '172.32.0.1',
    '93.184.216.34',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
  ]) {
    assert.equal(isNonPublicAddress(address), false, address);
  }
});

test('URL guard: loopback, private and metadata addresses are refused before any connection, however they are written', async () => {
  const port = portB;
  const uris = [
    `http://127.0.0.1:${port}/x.png`,
    `http://[::1]:${port}/x.png`,
    'http://10.0.0.1/x.png', // would hang on connect if it were attempted: the 5 s timeout would fire instead
    'http://169.254.169.254/latest/meta-data/',
    'http://100.64.0.1/x.png',
    'http://[fe80::1]/x.png',
    'http://[fd00::1]/x.png',
    'http://224.0.0.1/x.png',
    `http://0.0.0.0:${port}/x.png`,
    `http://[::ffff:127.0.0.1]:${port}/x.png`,
    `http://2130706433:${port}/x.png`, // decimal 127.0.0.1
    `http://0177.0.0.1:${port}/x.png`, // octal
    `http://0x7f.1:${port}/x.png`, // hex, short form
    `https://127.1:${port}/x.png`,
    `http://localhost:${port}/x.png`, // a name: checked on the address it resolves to
  ];
  const started = Date.now();
  for (const uri of uris) await refused(uri);
  assert.ok(Date.now() - started < 4000, 'refused without waiting on connections');
  assert.deepEqual(received.b, [], 'no request reached the loopback server');
});

test('URL guard: the explicit allowance fetches from loopback; the default (no env) refuses', async () => {
  assert.deepEqual(await readImageBytes(`http://${b}/ok.png`, '/nonexistent', { urls: { allowPrivate: true, allowHosts: [] } }), BODY);
  assert.deepEqual(
    await readImageBytes(`http://localhost:${portB}/ok.png`, '/nonexistent', { urls: { allowPrivate: true, allowHosts: [] } }),
    BODY,
  );
  assert.equal(process.env.CORREMBED_ALLOW_PRIVATE_URLS, undefined);
  await refused(`http://${b}/default.png`, undefined as unknown as UrlPolicy);
});

test('URL guard: an allowed host may redirect only to hosts that pass on their own; every hop is re-checked', async () => {
  const onlyA: UrlPolicy = { allowPrivate: false, allowHosts: [a] };
  received.b.length = 0;
  assert.deepEqual(await readImageBytes(`http://${a}/ok.png`, '/nonexistent', { urls: onlyA }), BODY);
  // A redirect to itself is fine; to another loopback port, to localhost or to the metadata address is refused.
  assert.deepEqual(await readImageBytes(`http://${a}/redirect?to=/ok.png`, '/nonexistent', { urls: onlyA }), BODY);
  await refused(`http://${a}/redirect?to=http://${b}/x.png`, onlyA);
  await refused(`http://${a}/redirect?to=http://localhost:${portB}/x.png`, onlyA);
  await refused(`http://${a}/redirect?to=http://[::ffff:7f00:1]:${portB}/x.png`, onlyA);
  await refused(`http://${a}/redirect?to=http://169.254.169.254/latest/meta-data/`, onlyA);
  assert.deepEqual(received.b, [], 'the redirect target was never contacted');
  // Host allowances name a host (and port): the same address under another name or port is not allowed.
  await refused(`http://localhost:${a.split(':')[1]}/ok.png`, onlyA);
  assert.deepEqual(
    await readImageBytes(`http://localhost:${a.split(':')[1]}/ok.png`, '/nonexistent', {
      urls: { allowPrivate: false, allowHosts: ['localhost'] },
    }),
    BODY,
  );
});

test('URL guard: redirects are bounded and may not leave http(s)', async () => {
  const onlyA: UrlPolicy = { allowPrivate: false, allowHosts: [a] };
  await refused(`http://${a}/loop`, onlyA, /: more than 5 redirects$/);
  await refused(`http://${a}/redirect?to=file:///etc/passwd`, onlyA, /: redirect to file: refused$/);
  await refused('http://[::1', onlyA, /: malformed URL$/);
});

test('URL guard: an https URL may redirect to https but never down to http', async () => {
  // A self-signed certificate for 127.0.0.1 (test/fixtures/tls), trusted by a child process through NODE_EXTRA_CA_CERTS.
  const tls = join(process.cwd(), 'test/fixtures/tls');
  const server = createHttpsServer({ key: readFileSync(join(tls, 'key.pem')), cert: readFileSync(join(tls, 'cert.pem')) }, (req, res) => {
    if (req.url === '/ok.png') res.end(BODY);
    else if (req.url === '/up') res.writeHead(301, { location: '/ok.png' }).end();
    else res.writeHead(302, { location: `http://${b}/x.png` }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const module = pathToFileURL(join(process.cwd(), 'dist/src/imaging/imageSource.js')).href;
  const script = `import { readImageBytes } from ${JSON.stringify(module)};
    const urls = { allowPrivate: true, allowHosts: [] };
    for (const uri of process.argv.slice(1)) console.log(await readImageBytes(uri, '/', { urls }).then((b) => b.toString(), (e) => e.message));`;
  try {
    received.b.length = 0;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', script, `${origin}/up`, `${origin}/down`],
      {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: join(tls, 'cert.pem') },
      },
    );
    const [up, down] = stdout.trim().split('\n');
    assert.equal(up, BODY.toString());
    assert.match(
      down,
      /^image https:\/\/127\.0\.0\.1:\d+\/down: redirect from https to http refused \(http:\/\/127\.0\.0\.1:\d+\/x\.png\)$/,
    );
    assert.deepEqual(received.b, []);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('config: CORREMBED_ALLOW_PRIVATE_URLS and CORREMBED_URL_ALLOW_HOSTS', () => {
  const defaults = loadConfig({}).inputSafety;
  assert.equal(defaults.allowPrivateUrls, false);
  assert.deepEqual(defaults.urlAllowHosts, []);
  const set = loadConfig({
    CORREMBED_ALLOW_PRIVATE_URLS: 'true',
    CORREMBED_URL_ALLOW_HOSTS: 'Images.Internal, 10.0.0.5:8080,[fd00::1]',
  }).inputSafety;
  assert.equal(set.allowPrivateUrls, true);
  assert.deepEqual(set.urlAllowHosts, ['images.internal', '10.0.0.5:8080', '[fd00::1]']);
  for (const [env, message] of [
    [{ CORREMBED_ALLOW_PRIVATE_URLS: 'sometimes' }, /CORREMBED_ALLOW_PRIVATE_URLS must be true or false/],
    [
      { CORREMBED_URL_ALLOW_HOSTS: 'http://images.internal/' },
      /CORREMBED_URL_ALLOW_HOSTS has a malformed host "http:\/\/images.internal\/"/,
    ],
  ] as const) {
    assert.throws(
      () => loadConfig(env),
      (e: Error) => e instanceof ConfigError && message.test(e.message),
    );
  }
});

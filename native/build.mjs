// npm install step: builds the optional Node-API addons with node-gyp; never fails the install (each has a JS fallback).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const isOff = (name) => ['0', 'false', 'no'].includes((process.env[name] ?? '').toLowerCase());
const hasOpenBlas = () => spawnSync('pkg-config', ['--exists', 'openblas']).status === 0;

/** Each addon: its folder, the .node it makes, what it is for, what runs without it, and why it cannot be built here. */
const ADDONS = [
  {
    folder: 'blas-gemm',
    output: 'blas_gemm.node',
    fallback: 'scoring uses onnxruntime. It needs libopenblas-dev, pkg-config, a C compiler and make',
    blocker: () => (isOff('CORREMBED_NATIVE_BLAS') ? 'CORREMBED_NATIVE_BLAS is off' : hasOpenBlas() ? null : 'pkg-config finds no openblas'),
  },
  {
    folder: 'pil-imaging',
    output: 'pil_imaging.node',
    fallback: 'preprocessing resamples in JavaScript (the same bits, slower). It needs a C compiler and make',
    blocker: () => (isOff('CORREMBED_NATIVE_IMAGING') ? 'CORREMBED_NATIVE_IMAGING is off' : null),
  },
];

// npm puts its bundled node-gyp on PATH for install scripts; the running Node's own headers avoid a download.
const prefix = join(dirname(process.execPath), '..');
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];

for (const addon of ADDONS) {
  const blocker = addon.blocker();
  const gyp = blocker === null ? spawnSync('node-gyp', ['rebuild', '--loglevel=warn', ...nodedir], { cwd: join(here, addon.folder), stdio: 'inherit' }) : null;
  const failure = blocker ?? (gyp.status === 0 ? null : gyp.error ? gyp.error.message : `node-gyp exited with ${gyp.status}`);
  if (failure === null) console.log(`${addon.folder}: built native/${addon.folder}/build/Release/${addon.output}`);
  else console.log(`${addon.folder}: not built (${failure}); ${addon.fallback}; then npm rebuild adds it.`);
}

// npm install step: builds the optional Node-API addons with node-gyp; never fails the install (each has a JS fallback).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const isOff = (name) => ['0', 'false', 'no'].includes((process.env[name] ?? '').toLowerCase());
const hasPackage = (name) => spawnSync('pkg-config', ['--exists', name]).status === 0;

/** Each addon: its folder, the .node it makes, what runs without it, why it cannot be built here, and what it lacks if built. */
const ADDONS = [
  {
    folder: 'blas-gemm',
    output: 'blas_gemm.node',
    fallback: 'scoring uses onnxruntime. It needs libopenblas-dev, pkg-config, a C compiler and make',
    blocker: () => (isOff('CORREMBED_NATIVE_BLAS') ? 'CORREMBED_NATIVE_BLAS is off' : hasPackage('openblas') ? null : 'pkg-config finds no openblas'),
  },
  {
    folder: 'pil-imaging',
    output: 'pil_imaging.node',
    fallback: 'preprocessing resamples in JavaScript (the same bits, slower). It needs a C compiler and make',
    blocker: () => (isOff('CORREMBED_NATIVE_IMAGING') ? 'CORREMBED_NATIVE_IMAGING is off' : null),
    // binding.gyp asks pkg-config the same question.
    lacking: () => (hasPackage('libjpeg') ? '' : ' without JPEG decoding (pkg-config finds no libjpeg: apt-get install libjpeg-dev; JPEGs go to sharp)'),
  },
];

// npm puts its bundled node-gyp on PATH for install scripts; the running Node's own headers avoid a download.
const prefix = join(dirname(process.execPath), '..');
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];

for (const addon of ADDONS) {
  const blocker = addon.blocker();
  const gyp = blocker === null ? spawnSync('node-gyp', ['rebuild', '--loglevel=warn', ...nodedir], { cwd: join(here, addon.folder), stdio: 'inherit' }) : null;
  const failure = blocker ?? (gyp.status === 0 ? null : gyp.error ? gyp.error.message : `node-gyp exited with ${gyp.status}`);
  if (failure === null) console.log(`${addon.folder}: built native/${addon.folder}/build/Release/${addon.output}${addon.lacking?.() ?? ''}`);
  else console.log(`${addon.folder}: not built (${failure}); ${addon.fallback}; then npm rebuild adds it.`);
}

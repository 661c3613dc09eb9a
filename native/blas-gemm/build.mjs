// npm install step: builds the optional OpenBLAS addon with node-gyp; never fails the install (scoring falls back to onnxruntime).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const skip = (why) => {
  console.log(`blas-gemm: not built (${why}); scoring uses onnxruntime. It needs libopenblas-dev, a C compiler and make; then npm rebuild adds it.`);
  process.exit(0);
};

if (['0', 'false', 'no'].includes((process.env.CORREMBED_NATIVE_BLAS ?? '').toLowerCase())) skip('CORREMBED_NATIVE_BLAS is off');
if (spawnSync('pkg-config', ['--exists', 'openblas']).status !== 0) skip('pkg-config finds no openblas');
// npm puts its bundled node-gyp on PATH for install scripts; the running Node's own headers avoid a download.
const prefix = join(dirname(process.execPath), '..');
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
const gyp = spawnSync('node-gyp', ['rebuild', '--loglevel=warn', ...nodedir], { cwd: here, stdio: 'inherit' });
if (gyp.status !== 0) skip(gyp.error ? gyp.error.message : `node-gyp exited with ${gyp.status}`);
console.log('blas-gemm: built native/blas-gemm/build/Release/blas_gemm.node');

// `corrembed embed` as a user runs it: JSON equal to the library's vectors, a readable summary, one-line errors (exit 2).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { embedImages } from '../src/embedding/embedImages.js';
import { EmbeddingModel } from '../src/inference/embeddingModel.js';
import { loadModelManifest } from '../src/inference/modelManifest.js';
import { writeTestImages, type TestImages } from './support/images.js';
import { TINY_DIM, writeTinyModel, type WrittenModel } from './support/tinyModels.js';

const CLI = join(process.cwd(), 'dist/src/cli/corrembed.js');
const root = mkdtempSync(join(tmpdir(), 'corrembed-embed-cli-'));
let images: TestImages;
let model: WrittenModel;

before(async () => {
  images = await writeTestImages(join(root, 'images'));
  model = await writeTinyModel(join(root, 'model'), 'conv', { name: 'tiny-conv' });
});
after(() => rmSync(root, { recursive: true, force: true }));

/** Runs the CLI from `root` (so relative image paths are relative to it). */
function run(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'embed', ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('embed cli: --json gives one vector per image, equal to the library, in the order given', async () => {
  const given = [relative(root, images.png), images.jpeg, relative(root, images.svg), relative(root, images.png)];
  const [{ code, stdout, stderr }, library] = await Promise.all([
    run('--manifest', model.manifest, '--json', ...given),
    (async () => {
      const m = await EmbeddingModel.load(await loadModelManifest(model.manifest));
      try {
        return await embedImages(
          m,
          given.map((uri, i) => ({ id: String(i), uri })),
          root,
        );
      } finally {
        await m.release();
      }
    })(),
  ]);
  assert.equal(code, 0, stderr);
  const out = JSON.parse(stdout);
  assert.deepEqual(Object.keys(out), ['dim', 'embeddings']);
  assert.equal(out.dim, TINY_DIM);
  assert.deepEqual(
    out.embeddings.map((e: { image: string }) => e.image),
    given,
  );
  out.embeddings.forEach((e: { vector: number[] }, i: number) => {
    assert.equal(e.vector.length, TINY_DIM);
    assert.deepEqual(Float32Array.from(e.vector), library.vectors.get(String(i)));
  });
  assert.deepEqual(out.embeddings[0].vector, out.embeddings[3].vector);
});

test('embed cli: the summary names the model and shows values and norms', async () => {
  const { code, stdout, stderr } = await run('--manifest', model.manifest, relative(root, images.png), relative(root, images.tall));
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^model tiny-conv: 2 images, dim 8 \(output 'embedding', NCHW\)$/m);
  assert.match(stdout, /images\/pattern\.png +norm \d+\.\d{4} +\[-?\d+\.\d{4}, .*, \.\.\.\]/);
  assert.match(stdout, /images\/tall\.png +norm/);
});

test('embed cli: bad inputs exit 2 with one line naming the problem', async () => {
  writeFileSync(join(root, 'broken.json'), '{ "name": "x", ');
  copyFileSync(model.onnx, join(root, 'images', 'm.onnx'));
  writeFileSync(
    join(root, 'images', 'wrongcrop.json'),
    JSON.stringify({
      name: 'wrongcrop',
      file: 'm.onnx',
      preprocess: { resize: 32, crop: 32, interpolation: 'bilinear', mean: [0, 0, 0], std: [1, 1, 1] },
    }),
  );
  const cases: [string[], RegExp][] = [
    [['--manifest', model.manifest, 'images/corrupt.png'], /^corrembed embed: image \S+corrupt\.png: cannot decode \(.+\)$/],
    [['--manifest', model.manifest, 'images/pattern.png', 'images/nope.png'], /^corrembed embed: image \S+nope\.png: not found$/],
    [['--manifest', join(root, 'broken.json'), 'images/pattern.png'], /^corrembed embed: model manifest \S+broken\.json: malformed JSON/],
    [
      ['--manifest', join(root, 'images', 'wrongcrop.json'), 'images/pattern.png'],
      /^corrembed embed: model wrongcrop: input 'image' takes 16 x 16 images but the recipe crops 32 x 32$/,
    ],
    [['images/pattern.png'], /^corrembed embed: --manifest <model\.json> is required$/],
    [['--manifest', model.manifest], /^corrembed embed: give at least one image$/],
    [['--manifest', model.manifest, '--colour', 'x.png'], /^corrembed embed: Unknown option '--colour'/],
    [
      ['--manifest', model.manifest, '--npy', 'nowhere/v.npy', 'images/pattern.png'],
      /^corrembed embed: --npy: cannot write "nowhere\/v\.npy": its folder does not exist$/,
    ],
  ];
  const results = await Promise.all(cases.map(([args]) => run(...args)));
  results.forEach(({ code, stdout, stderr }, i) => {
    assert.equal(code, 2, `${cases[i][0].join(' ')}: ${stderr}`);
    assert.equal(stdout, '');
    const lines = stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0], cases[i][1]);
  });
});

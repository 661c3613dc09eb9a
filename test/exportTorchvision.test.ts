// tools/export_torchvision.py with Debian's python3-torchvision (random weights): manifests the platform loads, embeddings it computes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { embedImages } from '../src/embedding/embedImages.js';
import { EmbeddingModel } from '../src/inference/embeddingModel.js';
import { loadModelManifest } from '../src/inference/modelManifest.js';

const PYTHON = '/usr/bin/python3';
const TOOL = join(process.cwd(), 'tools/export_torchvision.py');
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const root = mkdtempSync(join(tmpdir(), 'corrembed-export-torchvision-'));
const out = join(root, 'models');

function python(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(PYTHON, args, { maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

let exported: { code: number; stdout: string; stderr: string };

before(async () => {
  const probe = await python('-c', 'import torch, torchvision');
  assert.equal(
    probe.code,
    0,
    `${PYTHON} cannot import torch and torchvision: install python3-torchvision (apt install python3-torchvision)\n${probe.stderr}`,
  );
  exported = await python(
    TOOL,
    '--no-weights',
    '--weights',
    'ResNet18_Weights.IMAGENET1K_V1',
    'MobileNet_V3_Small_Weights.DEFAULT',
    '--out',
    out,
  );
  assert.equal(exported.code, 0, `export failed:\n${exported.stderr}`);
  const image = (r: number, g: number, b: number, width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
      .composite([{ input: { create: { width: 20, height: 20, channels: 3, background: { r: b, g: r, b: g } } }, left: 5, top: 5 }])
      .png()
      .toFile(join(root, `${r}-${g}-${b}.png`));
  await Promise.all([image(200, 30, 40, 300, 260), image(20, 180, 90, 240, 320), image(60, 70, 220, 256, 256)]);
});
after(() => rmSync(root, { recursive: true, force: true }));

test('export torchvision: one line per model, manifests with the weights transforms and meta', async () => {
  assert.equal(exported.stdout.trim().split('\n').length, 2, exported.stdout);
  assert.match(exported.stdout, /^resnet18-imagenet1k_v1-untrained: 512-d input of fc, 256\/224 bilinear, acc@1 69\.758 -> /m);
  const resnet = await loadModelManifest(join(out, 'resnet18-imagenet1k_v1-untrained.json'));
  assert.equal(resnet.name, 'resnet18-imagenet1k_v1-untrained');
  assert.equal(resnet.file, join(out, 'resnet18-imagenet1k_v1-untrained.onnx'));
  assert.deepEqual(resnet.preprocess, { resize: 256, crop: 224, interpolation: 'bilinear', ...IMAGENET });
  assert.equal(resnet.output, 'embedding');
  assert.deepEqual(resnet.metadata, {
    family: 'ResNet, untrained (architecture only)',
    imagenetAcc1: 69.758,
    imagenetAcc5: 89.078,
    params: 11689512,
  });
  // DEFAULT resolves to the member it aliases.
  const mobilenet = await loadModelManifest(join(out, 'mobilenet_v3_small-imagenet1k_v1-untrained.json'));
  assert.deepEqual(mobilenet.preprocess, { resize: 256, crop: 224, interpolation: 'bilinear', ...IMAGENET });
  assert.deepEqual(mobilenet.metadata, {
    family: 'MobileNet, untrained (architecture only)',
    imagenetAcc1: 67.668,
    imagenetAcc5: 87.402,
    params: 2542856,
  });
});

test('export torchvision: the platform embeds images with the penultimate features, any batch size', async () => {
  const images = ['200-30-40.png', '20-180-90.png', '60-70-220.png'].map((uri) => ({ id: uri, uri }));
  for (const [file, dim] of [
    ['resnet18-imagenet1k_v1-untrained.json', 512],
    ['mobilenet_v3_small-imagenet1k_v1-untrained.json', 1024],
  ] as const) {
    const model = await EmbeddingModel.load(await loadModelManifest(join(out, file)));
    try {
      assert.equal(model.dim, dim, file);
      assert.equal(model.layout, 'NCHW');
      const batched = await embedImages(model, images, root, { batchSize: 2 });
      const single = await embedImages(model, images, root, { batchSize: 1 });
      assert.deepEqual(batched.failed, []);
      for (const { id } of images) {
        const a = batched.vectors.get(id)!;
        const b = single.vectors.get(id)!;
        assert.equal(a.length, dim);
        assert.ok(a.every(Number.isFinite), `${file} ${id}: non-finite values`);
        assert.ok(
          a.every((v, i) => Math.abs(v - b[i]) <= 1e-4 * (1 + Math.abs(v))),
          `${file} ${id}: batch of 2 differs from batch of 1`,
        );
      }
      const [x, y] = [batched.vectors.get(images[0].id)!, batched.vectors.get(images[1].id)!];
      assert.ok(
        x.some((v, i) => v !== y[i]),
        `${file}: different images gave the same vector`,
      );
    } finally {
      await model.release();
    }
  }
});

test('export torchvision: unknown weights names fail with a clear message and a non-zero exit', async () => {
  const [member, enumName] = await Promise.all([
    python(TOOL, '--no-weights', '--weights', 'ResNet18_Weights.IMAGENET1K_V9', '--out', join(root, 'bad')),
    python(TOOL, '--no-weights', '--weights', 'ResNet19_Weights.DEFAULT', '--out', join(root, 'bad')),
  ]);
  assert.notEqual(member.code, 0);
  assert.match(member.stderr, /unknown weights "ResNet18_Weights\.IMAGENET1K_V9": ResNet18_Weights has IMAGENET1K_V1, DEFAULT/);
  assert.notEqual(enumName.code, 0);
  assert.match(
    enumName.stderr,
    /unknown weights "ResNet19_Weights\.DEFAULT": torchvision \S+ has no ImageNet classifier weights enum "ResNet19_Weights"/,
  );
  assert.equal(member.stdout + enumName.stdout, '');
});

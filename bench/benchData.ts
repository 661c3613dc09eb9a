// Inputs the embedding benchmarks share under bench/.data (git-ignored): torchvision exports (random init) and photo-like JPEG datasets.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePhotoJpegs } from '../test/support/images.js';

/** The repository root (this file runs from dist/bench/). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DATA_DIR = join(REPO_ROOT, 'bench', '.data');
export const PYTHON = '/usr/bin/python3';

/** Benchmarked architectures: the torchvision weights enum the export takes its recipe from, and the builder torch runs. */
export const BENCH_MODELS = {
  resnet50: { weights: 'ResNet50_Weights.IMAGENET1K_V2', stem: 'resnet50-imagenet1k_v2-untrained', arch: 'resnet50' },
  mobilenet: {
    weights: 'MobileNet_V3_Large_Weights.IMAGENET1K_V2',
    stem: 'mobilenet_v3_large-imagenet1k_v2-untrained',
    arch: 'mobilenet_v3_large',
  },
} as const;
export type BenchModel = keyof typeof BENCH_MODELS;

/** A torchvision export: the weights enum member its recipe comes from, and the file stem the export writes. */
export interface Export {
  weights: string;
  stem: string;
}

/**
 * The models of `npm run bench -- run`: three MobileNetV3-sized and three ResNet-sized, of two recipes (the V1 weights
 * resize to 256, the V2 to 232; both crop 224, bilinear, ImageNet mean and std).
 */
export const RUN_MODELS: Export[] = [
  { weights: 'MobileNet_V3_Small_Weights.IMAGENET1K_V1', stem: 'mobilenet_v3_small-imagenet1k_v1-untrained' },
  { weights: 'MobileNet_V3_Large_Weights.IMAGENET1K_V1', stem: 'mobilenet_v3_large-imagenet1k_v1-untrained' },
  { weights: 'ResNet18_Weights.IMAGENET1K_V1', stem: 'resnet18-imagenet1k_v1-untrained' },
  { weights: 'ResNet34_Weights.IMAGENET1K_V1', stem: 'resnet34-imagenet1k_v1-untrained' },
  BENCH_MODELS.mobilenet,
  BENCH_MODELS.resnet50,
];

export function isBenchModel(name: string): name is BenchModel {
  return Object.hasOwn(BENCH_MODELS, name);
}

/** Why PYTHON cannot run the exports and the PyTorch side (torch or torchvision missing), or null when it can. */
export function torchMissing(): string | null {
  try {
    execFileSync(PYTHON, ['-c', 'import torch, torchvision, PIL'], { stdio: 'ignore' });
    return null;
  } catch {
    return `${PYTHON} cannot import torch, torchvision and PIL, which export the bench models and run the PyTorch side: apt-get install python3-torch python3-torchvision python3-pil (.ci/run installs them)`;
  }
}

/** The model's manifest path, exporting it with tools/export_torchvision.py (random weights) the first time. */
export function ensureModel(name: BenchModel): string {
  return ensureExport(BENCH_MODELS[name]);
}

/** An export's manifest path, exporting it with tools/export_torchvision.py (random weights) the first time. */
export function ensureExport({ weights, stem }: Export): string {
  const out = join(DATA_DIR, 'models');
  const manifest = join(out, `${stem}.json`);
  if (!existsSync(manifest)) {
    const problem = torchMissing();
    if (problem) throw new Error(problem);
    console.error(`exporting ${weights} (random init) to ${out}`);
    execFileSync(PYTHON, [join(REPO_ROOT, 'tools', 'export_torchvision.py'), '--weights', weights, '--no-weights', '--out', out], {
      stdio: 'inherit',
    });
  }
  return manifest;
}

/** `count` photo-like JPEGs under bench/.data/photos-<count> with a dataset manifest (every image its own item, 2 tags); returns the manifest's path. */
export async function ensurePhotoDataset(count: number): Promise<string> {
  const dir = join(DATA_DIR, `photos-${count}`);
  const manifestPath = join(dir, 'manifest.json');
  if (existsSync(manifestPath)) return manifestPath;
  console.error(`writing ${count} photo-like JPEGs to ${dir}`);
  const names = await writePhotoJpegs(join(dir, 'images'), count);
  const items = names.map((_, i) => ({
    id: `item${i}`,
    tags: [
      { category: 'Colour', name: `c${i % 7}` },
      { category: 'Group', name: `g${i % 11}` },
    ],
  }));
  const images = names.map((name, i) => ({ id: `img${i}`, item: `item${i}`, uri: `images/${name}` }));
  writeFileSync(manifestPath, JSON.stringify({ name: `photos-${count}`, categoryWeights: { Colour: 0.5, Group: 0.3 }, items, images }));
  return manifestPath;
}

/** The image files of a photo dataset (for the PyTorch side, which reads the folder). */
export function photoFolder(manifestPath: string): string {
  const dir = join(manifestPath, '..', 'images');
  if (readdirSync(dir).length === 0) throw new Error(`${dir} is empty`);
  return dir;
}

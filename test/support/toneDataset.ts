// A small tagged image dataset written to disk for run tests: solid-colour PNGs, items tagged by tone and group.
import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';

/** Writes `count` images and their manifest under `dir`; returns the manifest's path. */
export async function writeToneDataset(dir: string, count: number): Promise<string> {
  await mkdir(join(dir, 'images'), { recursive: true });
  const items = [];
  const images = [];
  for (let i = 0; i < count; i++) {
    const rgb = { r: (i * 40) % 256, g: (i * 90) % 256, b: (i * 150) % 256 };
    await sharp({ create: { width: 20 + i, height: 24, channels: 3, background: rgb } })
      .png()
      .toFile(join(dir, 'images', `${i}.png`));
    items.push({
      id: `i${i}`,
      tags: [
        { category: 'Tone', name: i % 3 === 0 ? 'dark' : 'light' },
        { category: 'Group', name: `g${i % 4}` },
      ],
    });
    images.push({ id: `p${i}`, item: `i${i}`, uri: `images/${i}.png` });
  }
  const manifestPath = join(dir, 'manifest.json');
  writeFileSync(manifestPath, JSON.stringify({ name: 'tones', categoryWeights: { Tone: 0.5 }, items, images }));
  return manifestPath;
}

// Regenerates the dashboard screenshots in docs/screenshots (`npm run screenshots`): the demo on a fresh platform, in chromium.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { DEMO_MANIFEST, ZOO_DIR, seedDemo } from '../src/demo/seedDemo.js';
import { launchChromium } from '../test/support/browser.js';
import { startTestPlatform } from '../test/support/securePlatform.js';

const SHOTS = join(process.cwd(), 'docs/screenshots');

const defaults = loadConfig({});
const manifestRoots = [tmpdir(), join(DEMO_MANIFEST, '..'), ZOO_DIR];
const platform = await startTestPlatform(
  { anonymousRateLimitPerMinute: 0 },
  { inputSafety: { ...defaults.inputSafety, manifestRoots }, workers: 2, batchSize: 32 },
);
const browser = await launchChromium();
try {
  const demo = await seedDemo(platform.platform, (line) => console.log(line));
  const home = new URL(`/?dataset=${demo.datasetId}`, platform.url).href;
  mkdirSync(SHOTS, { recursive: true });

  // The top of the page: the leaderboard with its filters.
  const page = await browser.newPage({ viewport: { width: 1280, height: 1300 } });
  await page.goto(home);
  await page.waitForSelector('#gallery .gallery-column .card');
  await page.waitForSelector('#projection canvas');
  await page.screenshot({ path: join(SHOTS, 'dashboard.png') });
  await page.locator('#disagreements-section').screenshot({ path: join(SHOTS, 'disagreements.png') });
  // The map by UMAP with a lasso around part of it.
  await page.selectOption('#projection-method', 'UMAP');
  await page.waitForFunction(() => (document.querySelector('#projection figcaption')?.textContent ?? '').startsWith('UMAP'));
  await page.getByRole('button', { name: 'Lasso select' }).click();
  const canvas = page.locator('#projection canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.1);
  await page.mouse.down();
  for (const [x, y] of [
    [0.95, 0.1],
    [0.95, 0.6],
    [0.5, 0.6],
    [0.5, 0.12],
  ])
    await page.mouse.move(box.x + box.width * x, box.y + box.height * y, { steps: 5 });
  await page.mouse.up();
  await page.waitForSelector('#projection .lasso-images img');
  await page.locator('#projection-section').screenshot({ path: join(SHOTS, 'map.png') });
  await page.selectOption('#projection-method', 'PCA');
  // The gallery on a sneaker: two models' neighbours side by side.
  await page.fill('#gallery-search', 'Sneaker');
  await page.waitForFunction(() =>
    [...document.querySelectorAll('#gallery .pick')].every((b) => (b.getAttribute('title') ?? '').includes('Sneaker')),
  );
  await page.click('#gallery .pick:nth-child(2)');
  await page.waitForFunction(() => (document.querySelector('#gallery .query-card')?.textContent ?? '').includes('Sneaker'));
  await page.waitForFunction(() => document.querySelectorAll('#gallery .gallery-column .card').length === 16);
  await page.locator('#gallery-section').screenshot({ path: join(SHOTS, 'gallery.png') });

  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await phone.goto(home);
  await phone.waitForSelector('#heatmap-table');
  await phone.waitForSelector('#projection canvas');
  await phone.screenshot({ path: join(SHOTS, 'phone.png') });
  console.log(`wrote dashboard.png, disagreements.png, map.png, gallery.png and phone.png to ${SHOTS}`);
} finally {
  await browser.close();
  await platform.close();
}

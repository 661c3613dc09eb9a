// Dashboard budget benchmark: first-view bytes, time to the demo's leaderboard, and the embedding map at 50,000 points and more.
//
// In chromium against a seeded platform: the first view's compressed script and styles, and for the map the time to
// its first picture, the redraw per zoom step and the hit test per pointer move.
// Usage: npm run bench:dashboard [-- --points 50000,100000 --steps 30]
// Needs chromium (CORREMBED_CHROMIUM, else /usr/bin/chromium) and the PostgreSQL server the tests use. The map's
// points are synthetic (clusters of a seeded Gaussian mixture) answered in place of the demo's projection, so any
// count can be measured without embedding that many images; everything else is the real page and API.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { createRng } from '../src/metric/random.js';
import { startDashboardPlatform } from '../test/support/dashboardPlatform.js';
import { benchCli, median } from './benchCli.js';

const cli = benchCli('bench:dashboard');
const { values } = cli.args({ options: { points: { type: 'string' }, steps: { type: 'string' } } });
/** The map's own choices of point count above the demo's 200 images. */
const CHOICES = [10_000, 50_000, 100_000];
const counts = (values.points ?? '50000,100000').split(',').map((n) => cli.positiveInt('points', n, 50_000));
for (const n of counts) if (!CHOICES.includes(n)) cli.fail(`--points takes the map's choices: ${CHOICES.join(', ')}`);
const steps = cli.positiveInt('steps', values.steps, 30);

const WEB_DIR = join(process.cwd(), 'dist', 'web');
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** The files the page loads before any panel asks for more (its script, styles and page), compressed as served. */
function firstViewSizes(): void {
  const html = readFileSync(join(WEB_DIR, 'index.html'), 'utf8');
  const assets = [...html.matchAll(/(?:src|href)="\/dashboard\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  let script = 0;
  for (const name of ['index.html', ...assets]) {
    const raw = readFileSync(join(WEB_DIR, name));
    const [gzip, brotli] = [gzipSync(raw).length, brotliCompressSync(raw).length];
    if (name.endsWith('.js')) script += gzip;
    console.log(`  ${name.padEnd(14)} ${kb(raw.length).padStart(9)} raw, ${kb(gzip).padStart(8)} gzip, ${kb(brotli).padStart(8)} brotli`);
  }
  console.log(`  first-view script: ${kb(script)} gzip (budget 150 KB); the map's chunk loads with the map`);
}

/** `count` points in 10 seeded Gaussian clusters, as the projection query answers them. */
function syntheticProjection(count: number): string {
  const rng = createRng(count);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const centres = Array.from({ length: 10 }, () => [gauss() * 6, gauss() * 6]);
  const points = Array.from({ length: count }, (_, i) => {
    const c = i % 10;
    return { imageId: `synthetic-${i}`, name: `p${i}`, x: centres[c][0] + gauss(), y: centres[c][1] + gauss(), tags: [`cluster ${c}`] };
  });
  return JSON.stringify({ data: { projection: { method: 'PCA', explainedVariance: [0.3, 0.2], total: count, points } } });
}

/** Milliseconds per call of `action` inside the page, the median of `steps` timed calls. */
function timeInPage(page: Page, action: 'zoom' | 'hover', repeats: number): Promise<number> {
  return page.evaluate(
    ([kind, n]) => {
      const canvas = document.querySelector<HTMLCanvasElement>('#projection canvas')!;
      const box = canvas.getBoundingClientRect();
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const at = { clientX: box.left + box.width * (0.3 + (0.4 * i) / n), clientY: box.top + box.height / 2, bubbles: true };
        const event =
          kind === 'zoom'
            ? new WheelEvent('wheel', { ...at, deltaY: i % 2 ? 100 : -100, cancelable: true })
            : new PointerEvent('pointermove', { ...at, pointerId: 1 });
        const start = performance.now();
        canvas.dispatchEvent(event);
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      return times[times.length >> 1];
    },
    [action, repeats] as const,
  );
}

async function main(): Promise<void> {
  console.log('First view (dist/web, as npm run build leaves it):');
  firstViewSizes();
  const dashboard = await startDashboardPlatform();
  try {
    const page = await dashboard.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const loads: number[] = [];
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      await page.goto(`${dashboard.home}?dataset=${dashboard.demo.datasetId}`);
      await page.waitForSelector('#leaderboard-table tbody tr');
      loads.push(performance.now() - start);
    }
    console.log(`\nDemo: leaderboard on screen ${median(loads).toFixed(0)} ms after navigation (median of 3; budget 2 s)`);
    const answers = new Map(counts.map((n) => [n, syntheticProjection(n)]));
    await page.route('**/graphql', (route) => {
      const sent = route.request().postDataJSON() as { query?: string; variables?: { limit?: number } } | null;
      const synthetic = sent?.query?.startsWith('query Projection') && answers.get(sent.variables?.limit ?? 0);
      return synthetic ? route.fulfill({ contentType: 'application/json', body: synthetic }) : route.continue();
    });
    console.log('\nEmbedding map (synthetic points):');
    for (const n of counts) {
      // From the demo's own 200 points, so that choosing n is a change the page reacts to.
      await page.selectOption('#projection-limit', '2000');
      await page.waitForFunction(() => (document.querySelector('#projection .map-status')?.textContent ?? '').startsWith('200 points'));
      const start = performance.now();
      await page.selectOption('#projection-limit', String(n));
      await page.waitForFunction(
        (text) => (document.querySelector('#projection .map-status')?.textContent ?? '').startsWith(text),
        `${n.toLocaleString('en')} points`,
      );
      const shown = performance.now() - start;
      const zoom = await timeInPage(page, 'zoom', steps);
      const hover = await timeInPage(page, 'hover', steps);
      console.log(
        `  ${n.toLocaleString('en').padStart(7)} points: on screen ${shown.toFixed(0)} ms after the choice; redraw per zoom step ${zoom.toFixed(1)} ms (${(1000 / zoom).toFixed(0)} per second); hit test per pointer move ${hover.toFixed(2)} ms`,
      );
    }
  } finally {
    await dashboard.close();
  }
  console.log('\nReproduce: npm run bench:dashboard');
}

await main();

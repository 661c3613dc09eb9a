// For the dashboard tests: a platform with the demo seeded, an evaluate-scope API key, and chromium to drive the page.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { DEMO_MANIFEST, ZOO_DIR, seedDemo, type DemoSeed } from '../../src/demo/seedDemo.js';
import { launchChromium } from './browser.js';
import { gql } from './platformClient.js';
import { ADMIN_KEY, startTestPlatform, type TestPlatform } from './securePlatform.js';

export interface DashboardPlatform {
  platform: TestPlatform;
  /** The dashboard's address. */
  home: string;
  demo: DemoSeed;
  evaluateKey: string;
  browser: Browser;
  /** A GraphQL answer's data; fails the test on errors. */
  api<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, key?: string): Promise<T>;
  close(): Promise<void>;
}

export async function startDashboardPlatform(): Promise<DashboardPlatform> {
  const defaults = loadConfig({});
  const roots = [tmpdir(), join(DEMO_MANIFEST, '..'), ZOO_DIR];
  const platform = await startTestPlatform(
    { anonymousRateLimitPerMinute: 0 },
    { inputSafety: { ...defaults.inputSafety, manifestRoots: roots }, workers: 2, batchSize: 32 },
  );
  const api = async <T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, key?: string): Promise<T> => {
    const answer = await gql<T>(platform.url, query, variables, key);
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    return answer.data!;
  };
  const demo = await seedDemo(platform.platform, () => undefined);
  const created = await api<{ createApiKey: { key: string } }>(
    'mutation { createApiKey(name: "dashboard test", scopes: [EVALUATE]) { key } }',
    {},
    ADMIN_KEY,
  );
  const browser = await launchChromium();
  return {
    platform,
    home: new URL('/', platform.url).href,
    demo,
    evaluateKey: created.createApiKey.key,
    browser,
    api,
    close: async () => {
      await browser.close();
      await platform.close();
    },
  };
}

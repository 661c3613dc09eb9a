// The configuration a test platform starts from: manifests under `dir`, state in `dir`/state, a free port, the given database.
import { join } from 'node:path';
import { loadConfig, type PlatformConfig } from '../../src/config.js';

export function testPlatformConfig(
  dir: string,
  databaseUrl: string,
  overrides: Partial<PlatformConfig> = {},
  dataRoots: string = dir,
): PlatformConfig {
  return {
    ...loadConfig({ CORREMBED_DATA_ROOTS: dataRoots }),
    port: 0,
    databaseUrl,
    dataDir: join(dir, 'state'),
    adminKey: 'test-admin-key-0123456789',
    workers: 1,
    ...overrides,
  };
}

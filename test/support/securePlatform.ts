// For the API security tests: a platform on its own test database with chosen API limits, and raw HTTP / WebSocket calls.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig, type ApiSecurityConfig, type PlatformConfig } from '../../src/config.js';
import { dropDatabase } from '../../src/db/serverDatabase.js';
import { uniqueTestDatabaseUrl } from './testDatabase.js';
import { startPlatform, type Platform } from '../../src/platform.js';
import type { GraphqlResponse } from './platformClient.js';

export const ADMIN_KEY = 'security-test-admin-key-0123456789';

export interface TestPlatform {
  platform: Platform;
  url: string;
  wsUrl: string;
  dir: string;
  /** What the server logged. */
  logged: string[];
  close(): Promise<void>;
}

export async function startTestPlatform(api: Partial<ApiSecurityConfig> = {}, config: Partial<PlatformConfig> = {}): Promise<TestPlatform> {
  const dir = mkdtempSync(join(tmpdir(), 'corrembed-security-'));
  const databaseUrl = uniqueTestDatabaseUrl();
  // The test's folder holds the manifests it imports, so it is the API's data root.
  const defaults = loadConfig({ CORREMBED_DATA_ROOTS: dir });
  const logged: string[] = [];
  const platform = await startPlatform(
    {
      ...defaults,
      port: 0,
      databaseUrl,
      dataDir: join(dir, 'state'),
      adminKey: ADMIN_KEY,
      workers: 1,
      batchSize: 4,
      ...config,
      api: { ...defaults.api, ...api },
    },
    (line) => logged.push(line),
  );
  return {
    platform,
    url: platform.server.url,
    wsUrl: platform.server.wsUrl,
    dir,
    logged,
    async close() {
      await platform.close();
      await dropDatabase(databaseUrl);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RawResponse<T> {
  status: number;
  headers: Headers;
  body: GraphqlResponse<T>;
}

/** A POST with any body and headers; the answer's status, headers and JSON body. */
export async function post<T = Record<string, any>>(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<RawResponse<T>> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphqlResponse<T> };
}

/** A GraphQL request with an optional key and extra headers (e.g. X-Forwarded-For). */
export function request<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  key?: string,
  headers: Record<string, string> = {},
): Promise<RawResponse<T>> {
  return post<T>(url, JSON.stringify({ query, variables }), { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers });
}

/** One WebSocket connection kept open across operations (so that a test can act between them). */
export class WsSession {
  readonly client: Client;
  connections = 0;

  constructor(wsUrl: string, key?: string) {
    this.client = createClient({
      url: wsUrl,
      webSocketImpl: WebSocket,
      lazy: false,
      retryAttempts: 0,
      connectionParams: key ? { authorization: `Bearer ${key}` } : {},
      on: { connected: () => void this.connections++ },
      onNonLazyError: () => undefined, // the operations' sinks report it
    });
  }

  /** Every result of one operation until it completes; an error message resolves as { errors }. */
  run<T>(query: string, variables: Record<string, unknown> = {}): Promise<GraphqlResponse<T>[]> {
    const results: GraphqlResponse<T>[] = [];
    return new Promise((resolve, reject) => {
      this.client.subscribe<T>(
        { query, variables },
        {
          next: (message) => void results.push(message as GraphqlResponse<T>),
          // An array: the operation's errors; anything else ends the connection (a CloseEvent carries its code).
          error: (error) => (Array.isArray(error) ? resolve([...results, { errors: error }]) : reject(error)),
          complete: () => resolve(results),
        },
      );
    });
  }

  close(): Promise<void> {
    return Promise.resolve(this.client.dispose());
  }
}

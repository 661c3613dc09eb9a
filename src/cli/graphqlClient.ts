// A small GraphQL client for the CLI: HTTP requests and graphql-ws subscriptions against a running platform.
import { loadClientConfig } from '../config.js';
import { UserInputError } from '../errors.js';

export interface Endpoint {
  url: string;
  key: string | undefined;
}

/** `--url` / `--key` flags, else CORREMBED_URL / CORREMBED_API_KEY (or CORREMBED_ADMIN_KEY), else localhost:PORT. */
export function endpointFrom(values: { url?: string; key?: string }, env: NodeJS.ProcessEnv = process.env): Endpoint {
  const configured = loadClientConfig(env);
  return { url: values.url ?? configured.url, key: values.key ?? configured.key };
}

export async function graphql<T>(endpoint: Endpoint, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(endpoint.key ? { authorization: `Bearer ${endpoint.key}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new UserInputError(`cannot reach ${endpoint.url} (${(error as Error).message}); is \`corrembed serve\` running?`);
  }
  const body = (await response.json().catch(() => null)) as {
    data?: T;
    errors?: { message: string; extensions?: { code?: string } }[];
  } | null;
  if (!body) throw new UserInputError(`${endpoint.url} answered ${response.status} without a GraphQL body`);
  if (body.errors?.length) {
    const [first] = body.errors;
    throw new UserInputError(`${first.extensions?.code ?? 'ERROR'}: ${first.message}`);
  }
  return body.data as T;
}

/** Calls `onData` for each subscription event until the server completes it. */
export async function subscribe<T>(
  endpoint: Endpoint,
  query: string,
  variables: Record<string, unknown>,
  onData: (data: T) => void,
): Promise<void> {
  // The WebSocket client loads only for a subscription: plain queries and usage errors do without it.
  const [{ createClient }, { default: WebSocket }] = await Promise.all([import('graphql-ws'), import('ws')]);
  const client = createClient({
    url: endpoint.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: endpoint.key ? { authorization: `Bearer ${endpoint.key}` } : {},
    retryAttempts: 0,
  });
  return new Promise<void>((resolve, reject) => {
    client.subscribe<T>(
      { query, variables },
      {
        next: (message) => {
          if (message.errors?.length) reject(new UserInputError(message.errors[0].message));
          else if (message.data) onData(message.data);
        },
        error: (error) =>
          reject(new UserInputError(`subscription failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`)),
        complete: () => resolve(),
      },
    );
  }).finally(() => client.dispose());
}

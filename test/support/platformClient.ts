// Test helpers for a running platform: a GraphQL HTTP call and a graphql-ws subscription that collects events.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphqlResponse<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export async function gql<T = Record<string, any>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  key?: string,
): Promise<GraphqlResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphqlResponse<T>;
}

/** Subscribes over a real WebSocket; resolves with every event once the server completes the subscription. */
export function collectSubscription<T>(wsUrl: string, query: string, variables: Record<string, unknown>): Promise<T[]> {
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
  const events: T[] = [];
  return new Promise<T[]>((resolve, reject) => {
    client.subscribe<T>(
      { query, variables },
      {
        next: (message) => (message.errors ? reject(new Error(message.errors[0].message)) : events.push(message.data as T)),
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => resolve(events),
      },
    );
  }).finally(() => client.dispose());
}

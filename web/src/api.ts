// The dashboard's API client: GraphQL over HTTP and graphql-ws subscriptions, the same API any frontend uses.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string };
}

const KEY_STORAGE = 'corrembed.apiKey';

/** The API key the user typed (kept for this browser tab only); sent with every operation when set. */
export function apiKey(): string {
  return sessionStorage.getItem(KEY_STORAGE) ?? '';
}

export function setApiKey(key: string): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
  connection?.close();
}

const bearer = (): string | undefined => (apiKey() ? `Bearer ${apiKey()}` : undefined);

function firstError(errors: GraphQLErrorBody[]): ApiError {
  return new ApiError(errors[0].message, errors[0].extensions?.code);
}

/** A page of a list as the API returns it (Relay connections). */
export interface Connection<T> {
  edges: { node: T }[];
}

/** The items of a page. */
export const nodes = <T>(connection: Connection<T>): T[] => connection.edges.map((edge) => edge.node);

export async function gql<T>(query: string, variables: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const authorization = bearer();
  if (authorization) headers.authorization = authorization;
  const response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal });
  const body = (await response.json().catch(() => null)) as { data?: T; errors?: GraphQLErrorBody[] } | null;
  if (!body) throw new ApiError(`the API answered HTTP ${response.status}`);
  if (body.errors?.length) throw firstError(body.errors);
  return body.data as T;
}

/**
 * One panel's request slot: each send aborts the one before, and an answer that arrives after a newer send is dropped
 * (its promise never settles), so a slow answer to an earlier choice can never overwrite the current one.
 */
export class LatestRequest {
  private current: AbortController | null = null;

  async send<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    this.current?.abort();
    const mine = (this.current = new AbortController());
    const superseded = () => this.current !== mine;
    try {
      const answer = await gql<T>(query, variables, mine.signal);
      if (superseded()) return never();
      return answer;
    } catch (error) {
      if (superseded()) return never();
      throw error;
    }
  }

  /** Drops the request in flight (a choice that needs no request replaced the one that did). */
  cancel(): void {
    this.current?.abort();
    this.current = null;
  }
}

const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

export interface SubscriptionHandlers<T> {
  next(data: T): void;
  error(error: ApiError): void;
  complete(): void;
}

/** One graphql-transport-ws connection multiplexing the page's subscriptions; reopened on demand after it closes. */
class SubscriptionConnection {
  private readonly socket: WebSocket;
  private readonly ready: Promise<void>;
  private readonly handlers = new Map<string, SubscriptionHandlers<unknown>>();
  private nextId = 1;

  constructor() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    this.socket = new WebSocket(`${scheme}://${location.host}/graphql`, 'graphql-transport-ws');
    this.ready = new Promise((resolve, reject) => {
      this.socket.addEventListener('open', () => {
        const authorization = bearer();
        this.send({ type: 'connection_init', payload: authorization ? { authorization } : {} });
      });
      this.socket.addEventListener('message', (event) => {
        const message = JSON.parse(String(event.data)) as { id?: string; type: string; payload?: unknown };
        if (message.type === 'connection_ack') resolve();
        else if (message.type === 'ping') this.send({ type: 'pong' });
        else this.dispatch(message);
      });
      this.socket.addEventListener('close', (event) => {
        const error = new ApiError(`the subscription connection closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`);
        reject(error);
        for (const handlers of this.handlers.values()) handlers.error(error);
        this.handlers.clear();
        if (connection === this) connection = null;
      });
    });
    this.ready.catch(() => undefined);
  }

  async subscribe<T>(query: string, variables: Record<string, unknown>, handlers: SubscriptionHandlers<T>): Promise<string> {
    const id = String(this.nextId++);
    this.handlers.set(id, handlers as SubscriptionHandlers<unknown>);
    await this.ready;
    this.send({ id, type: 'subscribe', payload: { query, variables } });
    return id;
  }

  unsubscribe(id: string): void {
    if (this.handlers.delete(id) && this.socket.readyState === WebSocket.OPEN) this.send({ id, type: 'complete' });
  }

  close(): void {
    this.socket.close(1000, 'closed by the page');
  }

  private send(message: object): void {
    this.socket.send(JSON.stringify(message));
  }

  private dispatch(message: { id?: string; type: string; payload?: unknown }): void {
    const handlers = message.id ? this.handlers.get(message.id) : undefined;
    if (!handlers) return;
    if (message.type === 'next') {
      const payload = message.payload as { data?: unknown; errors?: GraphQLErrorBody[] };
      if (payload.errors?.length) handlers.error(firstError(payload.errors));
      else handlers.next(payload.data);
    } else if (message.type === 'error') {
      this.handlers.delete(message.id!);
      handlers.error(firstError(message.payload as GraphQLErrorBody[]));
    } else if (message.type === 'complete') {
      this.handlers.delete(message.id!);
      handlers.complete();
    }
  }
}

let connection: SubscriptionConnection | null = null;

/** Starts a subscription; the returned function ends it. */
export function subscribe<T>(query: string, variables: Record<string, unknown>, handlers: SubscriptionHandlers<T>): () => void {
  const current = (connection ??= new SubscriptionConnection());
  const id = current.subscribe(query, variables, handlers).catch((error: unknown) => {
    handlers.error(error instanceof ApiError ? error : new ApiError(String(error)));
    return null;
  });
  return () => void id.then((started) => started && current.unsubscribe(started));
}

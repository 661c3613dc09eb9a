// Run events across API instances: PostgreSQL NOTIFY to publish, one LISTEN connection per process to receive (reconnecting).
import pg from 'pg';
import type { EventTransport, RunEvent, RunEvents } from './runEvents.js';

const CHANNEL = 'corrembed_run_events';
const RECONNECT_MS = 1000;

function parseEvent(payload: string | undefined): RunEvent | null {
  try {
    const event = JSON.parse(payload ?? '') as RunEvent;
    return ['queued', 'progress', 'completed'].includes(event.kind) && typeof event.runId === 'string' ? event : null;
  } catch {
    return null;
  }
}

export class PgEventBus implements EventTransport {
  private listener: pg.Client | null = null;
  private closed = false;
  private readonly notifier: EventTransport;

  private constructor(
    private readonly url: string,
    pool: pg.Pool,
    private readonly events: RunEvents,
    private readonly log: (line: string) => void,
  ) {
    this.notifier = notifyTransport(pool);
  }

  /** Listens on the channel and routes `events`' publishing through NOTIFY. */
  static async start(url: string, pool: pg.Pool, events: RunEvents, log: (line: string) => void): Promise<PgEventBus> {
    const bus = new PgEventBus(url, pool, events, log);
    await bus.listen();
    events.attach(bus);
    return bus;
  }

  send(event: RunEvent): Promise<void> {
    return this.notifier.send(event);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.events.attach(null);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (message) => {
      const event = parseEvent(message.payload);
      if (event) this.events.receive(event);
    });
    client.on('error', (error) => this.log(`run events: listener error: ${error.message}`));
    client.on('end', () => {
      if (this.closed || this.listener !== client) return;
      this.listener = null;
      this.reconnect();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined); // a half-made connection would otherwise stay open
      throw error;
    }
    this.listener = client;
  }

  /** Events published while the listener was down are not replayed; subscribers re-read state on reconnect anyway. */
  private reconnect(): void {
    setTimeout(() => {
      if (this.closed) return;
      this.listen().catch((error: Error) => {
        this.log(`run events: cannot listen (${error.message}); retrying`);
        this.reconnect();
      });
    }, RECONNECT_MS).unref();
  }
}

/** A publish-only transport, for processes that never subscribe (the api function): NOTIFY without a LISTEN connection. */
export function notifyTransport(pool: pg.Pool): EventTransport {
  return { send: (event) => pool.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(event)]).then(() => undefined) };
}

// The one live channel (GET /api/live, Server-Sent Events). Each message has an id; after a
// network blip the browser's EventSource reconnects with Last-Event-ID and the server sends
// what was missed. When it cannot (the server restarted, or the gap is too old) it sends
// `reset` and the page reloads its snapshot. A watchdog reconnects a silent stream.
import { signal } from '@preact/signals';
import type { LiveType } from '../../../src/wallboard/types.ts';

// `idle`: this page has no live stream (reports, call search): the header shows no state.
export type ConnState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'offline';
export const connection = signal<ConnState>('idle');

const TYPES: LiveType[] = ['queue', 'agent', 'waiting', 'call', 'call.end', 'campaign', 'hours', 'today', 'log', 'offer', 'offer.end', 'wrapup'];

export interface LiveHandlers {
  message(type: LiveType, data: unknown): void;
  reset(): void;
}

export class LiveChannel {
  private es: EventSource | undefined;
  private lastId = '';
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(private readonly h: LiveHandlers, private readonly agent?: string) {}

  /** Starts after `since` (the snapshot's liveId). */
  open(since: string): void {
    this.closed = false;
    this.lastId = since;
    this.connect();
  }

  private connect(): void {
    this.es?.close();
    connection.value = connection.value === 'live' ? 'reconnecting' : connection.value === 'idle' ? 'connecting' : connection.value;
    const es = new EventSource(`/api/live?since=${encodeURIComponent(this.lastId)}${this.agent ? `&agent=${encodeURIComponent(this.agent)}` : ''}`, { withCredentials: true });
    this.es = es;
    es.onopen = () => { connection.value = 'live'; this.kick(); };
    es.onerror = () => {
      // EventSource retries by itself (with Last-Event-ID) unless the server refused outright.
      connection.value = es.readyState === EventSource.CLOSED ? 'offline' : 'reconnecting';
      if (es.readyState === EventSource.CLOSED && !this.closed) setTimeout(() => this.connect(), 3000);
    };
    const take = (e: MessageEvent) => { if (e.lastEventId) this.lastId = e.lastEventId; this.kick(); };
    for (const t of TYPES) {
      es.addEventListener(t, (e) => {
        take(e as MessageEvent);
        this.h.message(t, JSON.parse((e as MessageEvent<string>).data));
      });
    }
    es.addEventListener('reset', (e) => { take(e as MessageEvent); this.h.reset(); });
    es.addEventListener('ping', () => this.kick());
  }

  /** No message or ping for 40 s: the connection is dead without anyone noticing; start over. */
  private kick(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => { if (!this.closed) { connection.value = 'reconnecting'; this.connect(); } }, 40_000);
  }

  close(): void {
    this.closed = true;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.es?.close();
    this.es = undefined;
    connection.value = 'idle';
  }
}

// The live channel's core: every message gets an id (`<epoch>.<seq>`), is kept in a bounded
// buffer and fanned out to the subscribers allowed to see it. A client that lost its
// connection comes back with the last id it saw and gets what it missed from the buffer;
// when that is no longer possible (the buffer moved on, or the process restarted and the
// epoch changed) it is told to `reset` (fetch a fresh snapshot). Transport-free: the SSE
// route (sse.ts) writes the frames this produces.
import type { LiveMessage } from '../wallboard/types.ts';
import type { LivePolicy, Scope, Viewer } from './policy.ts';

export interface LiveEntry {
  seq: number;
  msg: LiveMessage;
  scope: Scope;
  /** Carries caller numbers: masked for viewers that may not see them. */
  pii: boolean;
  /** Serialised frame, built once (full) and once (masked) on first use. */
  frame?: string;
  maskedFrame?: string;
}

export interface LiveSink {
  /** Writes one SSE frame; false = the socket's buffer is full (backpressure). */
  write(frame: string): boolean;
  /** Bytes queued on the socket and not yet sent. */
  queuedBytes(): number;
  close(reason: string): void;
}

export interface Subscription {
  /** Messages replayed from the buffer on subscribe. */
  replayed: number;
  /** The client had to be told to reset. */
  reset: boolean;
  close(): void;
}

export interface LiveHubOptions {
  policy: LivePolicy;
  /** Distinguishes this process's ids from a previous one's (default: random). */
  epoch?: string;
  /** Messages kept for resuming (default 20,000). */
  capacity?: number;
  /** A client with more than this many bytes queued on its socket is cut off (it resumes on reconnect). */
  maxQueuedBytes?: number;
  /** Masks caller numbers in a message for a viewer who may not see them. */
  mask: (data: unknown) => unknown;
}

export interface LiveHub {
  readonly epoch: string;
  /** The id of the last message published (what a snapshot taken now reflects). */
  lastId(): string;
  publish(msg: LiveMessage, scope: Scope, opts?: { pii?: boolean }): number;
  /** `since` = the last id the client saw (Last-Event-ID), or undefined for "from now". */
  subscribe(viewer: Viewer, since: string | undefined, sink: LiveSink): Subscription;
  stats(): { subscribers: number; published: number; buffered: number; cutOff: number; resets: number; replayed: number };
}

export function createLiveHub(o: LiveHubOptions): LiveHub {
  const epoch = o.epoch ?? Math.random().toString(36).slice(2, 10);
  const capacity = o.capacity ?? 20_000;
  const maxQueued = o.maxQueuedBytes ?? 4 * 1024 * 1024;
  // Ring buffer: entries[seq % capacity]; the oldest kept is seq - size + 1.
  const ring: (LiveEntry | undefined)[] = new Array(capacity);
  let seq = 0;
  const subs = new Set<{ viewer: Viewer; sink: LiveSink }>();
  const counters = { published: 0, cutOff: 0, resets: 0, replayed: 0 };

  const idOf = (n: number) => `${epoch}.${n}`;

  function frameFor(e: LiveEntry, viewer: Viewer): string {
    if (e.pii && o.policy.masks(viewer, e.scope)) {
      e.maskedFrame ??= frame(e.seq, e.msg.type, JSON.stringify(o.mask(e.msg.data)));
      return e.maskedFrame;
    }
    e.frame ??= frame(e.seq, e.msg.type, JSON.stringify(e.msg.data));
    return e.frame;
  }
  const frame = (n: number, type: string, json: string) => `id: ${idOf(n)}\nevent: ${type}\ndata: ${json}\n\n`;

  function deliver(s: { viewer: Viewer; sink: LiveSink }, e: LiveEntry): void {
    if (!o.policy.visible(s.viewer, e.scope)) return;
    if (s.sink.queuedBytes() > maxQueued) {
      // A client this far behind would grow server memory without bound: cut it off. Its
      // EventSource reconnects with the last id it received and resumes from the buffer.
      counters.cutOff++;
      subs.delete(s);
      s.sink.close('too far behind');
      return;
    }
    s.sink.write(frameFor(e, s.viewer));
  }

  /** Seq after `since`, or undefined when the client must reset. */
  function resumePoint(since: string | undefined): number | 'reset' {
    if (since === undefined || since === '') return seq + 1;
    const dot = since.lastIndexOf('.');
    const ep = since.slice(0, dot);
    const n = Number(since.slice(dot + 1));
    if (dot < 0 || ep !== epoch || !Number.isInteger(n) || n < 0 || n > seq) return 'reset';
    const oldest = Math.max(1, seq - capacity + 1);
    return n + 1 >= oldest ? n + 1 : 'reset';
  }

  return {
    epoch,
    lastId: () => idOf(seq),
    publish(msg, scope, opts = {}) {
      seq += 1;
      const e: LiveEntry = { seq, msg, scope, pii: opts.pii ?? false };
      ring[seq % capacity] = e;
      counters.published++;
      for (const s of [...subs]) deliver(s, e);
      return seq;
    },
    subscribe(viewer, since, sink) {
      const from = resumePoint(since);
      const sub = { viewer, sink };
      let replayed = 0;
      let reset = false;
      if (from === 'reset') {
        reset = true;
        counters.resets++;
        sink.write(`id: ${idOf(seq)}\nevent: reset\ndata: {}\n\n`);
      } else {
        for (let n = from; n <= seq; n++) {
          const e = ring[n % capacity];
          if (!e || e.seq !== n) continue;
          if (!o.policy.visible(viewer, e.scope)) continue;
          sink.write(frameFor(e, viewer));
          replayed++;
        }
        counters.replayed += replayed;
      }
      subs.add(sub);
      return { replayed, reset, close: () => { subs.delete(sub); } };
    },
    stats: () => ({ subscribers: subs.size, published: counters.published, buffered: Math.min(seq, capacity), cutOff: counters.cutOff, resets: counters.resets, replayed: counters.replayed }),
  };
}

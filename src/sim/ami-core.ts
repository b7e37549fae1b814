// The narrow view of the channel core that the AMI layer (src/sim/ami) works through: watch
// the core (observers), look channels up, originate and hang up, and reach app_queue. The AMI
// layer renders what it sees in AMI terms; it never changes channel state by itself.
import type { Chan, Ctx } from './model.ts';
import type { ChannelObserver } from './observer.ts';
import type { SimClock } from './clock.ts';
import { hangup } from './lifecycle.ts';
import { configureQueues, queueAdd, queuePause, queueRemove, queueSnapshots, type PbxQueueConfig, type QueueSnapshot } from './app-queue.ts';

export interface AmiOriginate {
  endpoint: string; context?: string; extension?: string; priority?: number; callerId?: string; timeoutSec?: number;
  channelId?: string; otherChannelId?: string; variables?: Record<string, string>;
}

export interface AmiCore {
  readonly clock: SimClock;
  readonly startupTime: number;
  addObserver(o: ChannelObserver): () => void;
  /** Live channels, oldest first (as Asterisk lists them). */
  channels(): Chan[];
  /** By channel name (PJSIP/1001-00000001) or unique id. */
  find(nameOrId: string): Chan | undefined;
  /** Originate into the dialplan; returns the new channel (throws AriError on a bad endpoint). */
  originate(o: AmiOriginate): Chan;
  hangup(c: Chan, cause: number): void;
  queues: {
    configure(q: PbxQueueConfig[]): void;
    add(queue: string, iface: string, o: { name?: string; penalty?: number; paused?: boolean; reason?: string }): void;
    remove(queue: string, iface: string): void;
    pause(iface: string, paused: boolean, queue?: string, reason?: string): void;
    snapshots(queue?: string): QueueSnapshot[];
  };
}

export function amiCore(x: Ctx, originate: (o: AmiOriginate) => { id: string }): AmiCore {
  return {
    clock: x.clock,
    startupTime: x.startupTime,
    addObserver(o) {
      x.observers.push(o);
      return () => { x.observers = x.observers.filter((y) => y !== o); };
    },
    channels: () => [...x.channels.values()].filter((c) => c.alive),
    find(nameOrId) {
      const byId = x.channels.get(nameOrId);
      if (byId?.alive) return byId;
      for (const c of x.channels.values()) if (c.alive && c.name === nameOrId) return c;
      return undefined;
    },
    originate(o) {
      const snap = originate(o);
      return x.channels.get(snap.id)!;
    },
    hangup(c, cause) {
      if (!c.alive || c.dying) return;
      c.hangupCause = cause;
      hangup(x, c, { cause }, cause);
    },
    queues: {
      configure: (q) => configureQueues(x, q),
      add: (queue, iface, o) => queueAdd(x, queue, iface, o),
      remove: (queue, iface) => queueRemove(x, queue, iface),
      pause: (iface, paused, queue, reason) => queuePause(x, iface, paused, queue, reason),
      snapshots: (queue) => queueSnapshots(x, queue),
    },
  };
}

// Time for the ACD: one small interface so production uses the real clock and tests run
// hours of queue traffic in milliseconds. It is also handed to XState as the actor clock,
// so the agent machine's named delays (wrap-up) follow the same time.

export type TimerHandle = { readonly __timer: true } | number | object;

export interface Clock {
  now(): number; // epoch ms
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

export function realClock(): Clock {
  return {
    now: () => Date.now(),
    setTimeout: (fn, ms) => {
      const t = setTimeout(fn, ms);
      t.unref?.();
      return t;
    },
    clearTimeout: (h) => { if (h !== undefined) clearTimeout(h as ReturnType<typeof setTimeout>); },
  };
}

interface VTimer { id: number; at: number; seq: number; fn: () => void }

export interface VirtualClock extends Clock {
  /** Runs every timer due up to now+ms in time order, letting promises settle between timers. */
  advance(ms: number): Promise<void>;
  /** Lets pending promise chains settle without moving time. */
  settle(): Promise<void>;
  pending(): number;
}

/** Lets every queued microtask (and chains of them) run: one macrotask turn. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function virtualClock(startMs = Date.parse('2026-01-05T14:00:00.000Z')): VirtualClock {
  let now = startMs;
  let seq = 0;
  const timers = new Map<number, VTimer>();
  const next = (): VTimer | undefined => {
    let best: VTimer | undefined;
    for (const t of timers.values()) if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best;
  };
  const clock: VirtualClock = {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq;
      timers.set(id, { id, at: now + Math.max(0, ms), seq: id, fn });
      return { id } as unknown as TimerHandle;
    },
    clearTimeout(h) {
      if (h && typeof h === 'object' && 'id' in h) timers.delete((h as { id: number }).id);
    },
    async settle() {
      await turn();
      await turn();
    },
    async advance(ms) {
      const until = now + ms;
      await clock.settle();
      for (;;) {
        const t = next();
        if (!t || t.at > until) break;
        timers.delete(t.id);
        now = Math.max(now, t.at);
        t.fn();
        await clock.settle();
      }
      now = until;
      await clock.settle();
    },
    pending: () => timers.size,
  };
  return clock;
}

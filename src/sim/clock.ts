// Media time in the simulated PBX: playbacks, ringing, DTMF gaps and recordings are timers
// on this clock, so tests can run faster than real time (speed > 1) or step a virtual clock
// deterministically (createManualClock) without sleeping.

export interface TimerHandle {
  readonly id: number;
}

export interface SimClock {
  /** Simulated wall-clock time in epoch milliseconds. */
  now(): number;
  /** Runs fn after `ms` of simulated time. */
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle | undefined): void;
  /** Releases real timers (close of the simulator). */
  dispose(): void;
}

/** Real timers scaled by `speed` (2 = twice as fast as real time). */
export function createSimClock(opts: { speed?: number; startMs?: number; realNow?: () => number } = {}): SimClock {
  const speed = opts.speed ?? 1;
  if (!(speed > 0)) throw new RangeError(`clock speed must be > 0, got ${speed}`);
  const realNow = opts.realNow ?? (() => Date.now());
  const realStart = realNow();
  const simStart = opts.startMs ?? realStart;
  const live = new Map<number, ReturnType<typeof setTimeout>>();
  let seq = 0;
  return {
    now: () => simStart + (realNow() - realStart) * speed,
    setTimer(ms, fn) {
      const id = ++seq;
      const t = setTimeout(() => {
        live.delete(id);
        fn();
      }, Math.max(0, ms / speed));
      live.set(id, t);
      return { id };
    },
    clearTimer(h) {
      if (!h) return;
      const t = live.get(h.id);
      if (t !== undefined) clearTimeout(t);
      live.delete(h.id);
    },
    dispose() {
      for (const t of live.values()) clearTimeout(t);
      live.clear();
    },
  };
}

export interface ManualClock extends SimClock {
  /** Moves time forward, running due timers in time order (ties in creation order). */
  advance(ms: number): void;
  /** Time of the next pending timer, or undefined. */
  nextDue(): number | undefined;
  pending(): number;
}

/** A virtual clock that only moves when told: deterministic tests and trace replay. */
export function createManualClock(startMs = Date.UTC(2026, 0, 5, 15, 0, 0)): ManualClock {
  let now = startMs;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const due = (): [number, { at: number; fn: () => void }] | undefined => {
    let best: [number, { at: number; fn: () => void }] | undefined;
    for (const e of timers) if (!best || e[1].at < best[1].at || (e[1].at === best[1].at && e[0] < best[0])) best = e;
    return best;
  };
  return {
    now: () => now,
    setTimer(ms, fn) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return { id };
    },
    clearTimer(h) {
      if (h) timers.delete(h.id);
    },
    dispose() {
      timers.clear();
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        const next = due();
        if (!next || next[1].at > target) break;
        timers.delete(next[0]);
        now = Math.max(now, next[1].at);
        next[1].fn();
      }
      now = target;
    },
    nextDue: () => due()?.[1].at,
    pending: () => timers.size,
  };
}

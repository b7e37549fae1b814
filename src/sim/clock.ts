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

/** Timers ordered by simulated due time (ties: creation order), shared by both clocks. */
function createTimerHeap() {
  type Entry = { at: number; seq: number; fn: () => void };
  const heap: Entry[] = [];
  const live = new Set<number>();
  const less = (a: Entry, b: Entry) => a.at < b.at || (a.at === b.at && a.seq < b.seq);
  const swap = (i: number, j: number) => {
    const t = heap[i]!;
    heap[i] = heap[j]!;
    heap[j] = t;
  };
  const push = (e: Entry) => {
    heap.push(e);
    live.add(e.seq);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i]!, heap[parent]!)) break;
      swap(i, parent);
      i = parent;
    }
  };
  const popHead = () => {
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) break;
      swap(i, m);
      i = m;
    }
  };
  /** The next live entry (cancelled ones are dropped lazily). */
  const peek = (): Entry | undefined => {
    while (heap.length > 0 && !live.has(heap[0]!.seq)) popHead();
    return heap[0];
  };
  return {
    push,
    peek,
    take(): Entry {
      const e = peek()!;
      popHead();
      live.delete(e.seq);
      return e;
    },
    cancel: (seq: number) => live.delete(seq),
    size: () => live.size,
    clear() {
      heap.length = 0;
      live.clear();
    },
  };
}

/**
 * Real time scaled by `speed` (2 = twice as fast). Timers fire in simulated-time order even when
 * the event loop is overloaded: one real timer wakes the clock, which then runs every due timer
 * in order (plain setTimeout per timer can let a later 600 ms timer overtake a 400 ms one under load).
 */
export function createSimClock(opts: { speed?: number; startMs?: number; realNow?: () => number } = {}): SimClock {
  const speed = opts.speed ?? 1;
  if (!(speed > 0)) throw new RangeError(`clock speed must be > 0, got ${speed}`);
  const realNow = opts.realNow ?? (() => performance.timeOrigin + performance.now());
  const realStart = realNow();
  const simStart = opts.startMs ?? Date.now();
  const now = () => simStart + (realNow() - realStart) * speed;
  const timers = createTimerHeap();
  let wake: ReturnType<typeof setTimeout> | undefined;
  let wakeAt = Infinity;
  let seq = 0;
  const arm = () => {
    const head = timers.peek();
    if (!head) {
      if (wake) clearTimeout(wake);
      wake = undefined;
      wakeAt = Infinity;
      return;
    }
    if (wake && wakeAt <= head.at) return;
    if (wake) clearTimeout(wake);
    wakeAt = head.at;
    wake = setTimeout(run, Math.max(0, (head.at - now()) / speed));
  };
  const run = () => {
    wake = undefined;
    wakeAt = Infinity;
    const t = now();
    for (let head = timers.peek(); head && head.at <= t; head = timers.peek()) timers.take().fn();
    arm();
  };
  return {
    now,
    setTimer(ms, fn) {
      const id = ++seq;
      timers.push({ at: now() + Math.max(0, ms), seq: id, fn });
      arm();
      return { id };
    },
    clearTimer(h) {
      if (h) timers.cancel(h.id);
    },
    dispose() {
      timers.clear();
      if (wake) clearTimeout(wake);
      wake = undefined;
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
  const timers = createTimerHeap();
  return {
    now: () => now,
    setTimer(ms, fn) {
      const id = ++seq;
      timers.push({ at: now + Math.max(0, ms), seq: id, fn });
      return { id };
    },
    clearTimer(h) {
      if (h) timers.cancel(h.id);
    },
    dispose() {
      timers.clear();
    },
    advance(ms) {
      const target = now + ms;
      for (let head = timers.peek(); head && head.at <= target; head = timers.peek()) {
        const e = timers.take();
        now = Math.max(now, e.at);
        e.fn();
      }
      now = target;
    },
    nextDue: () => timers.peek()?.at,
    pending: () => timers.size(),
  };
}

// The "no dead air" invariant over a far end's hearing timeline (src/sim/hearing.ts): no one
// hears more than `maxSilenceMs` of silence, except while a flow waits for digits right after
// a prompt that asks for them (a menu or gather prompt), up to `maxDigitWaitMs`. Pure.
import type { HeardSpan } from './types.ts';

export interface DeadAirOptions {
  /** Longest silence allowed anywhere (default 2 s). */
  maxSilenceMs?: number;
  /** Prompts after which a flow waits for digits (media URIs, e.g. `sound:menu-main`). */
  digitPrompts?: ReadonlySet<string> | ((media: string) => boolean);
  /** Longest wait for digits after such a prompt (default 10 s: menu 5 s, gather 5 + 3 s). */
  maxDigitWaitMs?: number;
  /** Closes a span still open (a live call) at this time. */
  at?: number;
  /** The simulator's clockSpeed: its media time runs this many times faster than the app's timers (default 1). */
  clockSpeed?: number;
}

export interface DeadAir { from: number; ms: number; after?: string }

/** Every silence that breaks the invariant, with how long it lasted. */
export function deadAir(spans: readonly HeardSpan[], o: DeadAirOptions = {}): DeadAir[] {
  const speed = o.clockSpeed ?? 1;
  const max = o.maxSilenceMs ?? 2000;
  const maxDigit = o.maxDigitWaitMs ?? 10_000;
  const isDigitPrompt = typeof o.digitPrompts === 'function' ? o.digitPrompts : (m: string) => (o.digitPrompts as ReadonlySet<string> | undefined)?.has(m) ?? false;
  const out: DeadAir[] = [];
  spans.forEach((s, i) => {
    if (s.what !== 'silence') return;
    const end = s.to ?? o.at;
    if (end === undefined) return;
    const ms = (end - s.from) / speed;
    const prev = spans[i - 1];
    const afterPrompt = prev?.what === 'prompt' && prev.to === s.from ? prev.media : undefined;
    const allowed = afterPrompt !== undefined && isDigitPrompt(afterPrompt) ? Math.max(max, maxDigit) : max;
    if (ms > allowed) out.push({ from: s.from, ms, ...(afterPrompt !== undefined ? { after: afterPrompt } : {}) });
  });
  return out;
}

/** Seconds of dead air in a timeline (the whole length of each offending silence). */
export function deadAirSeconds(spans: readonly HeardSpan[], o: DeadAirOptions = {}): number {
  return deadAir(spans, o).reduce((t, d) => t + d.ms, 0) / 1000;
}

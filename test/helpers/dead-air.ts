// The no-dead-air invariant in tests (issue 14): what each caller heard on the simulator
// (src/sim/hearing.ts) must never hold more than 2 s of silence, except while a flow waits
// for digits right after a menu or gather prompt (those prompts are read from the flows).
import { deadAir, type DeadAir, type HeardSpan } from '../../src/sim/index.ts';
import { nodePrompts } from '../../src/flow-dsl/playable.ts';
import { promptIds } from '../../src/flow-dsl/compile.ts';
import type { FlowDefinition } from '../../src/flow-dsl/types.ts';

/** Media URIs after which a flow waits for digits: every prompt of a menu or gather node. */
export function digitPrompts(flows: Iterable<{ definition: FlowDefinition }>, soundPrefix = ''): Set<string> {
  const out = new Set<string>();
  for (const f of flows) for (const n of Object.values(f.definition.nodes)) {
    if (n.type !== 'menu' && n.type !== 'gather') continue;
    for (const p of nodePrompts(n)) for (const id of promptIds(p)) out.add(`sound:${soundPrefix}${id}`);
  }
  return out;
}

export interface HearingSource { hearing(): { at: number; channels: { id: string; heard: HeardSpan[] }[] } }

/** Dead air per caller channel (`ids`, or every channel `pick` selects). Empty when none. */
export function deadAirOf(sim: HearingSource, o: { ids?: Iterable<string>; pick?: (id: string) => boolean; digitPrompts?: ReadonlySet<string>; maxDigitWaitMs?: number; maxSilenceMs?: number; clockSpeed?: number }): Record<string, DeadAir[]> {
  const h = sim.hearing();
  const want = o.ids ? new Set(o.ids) : undefined;
  const out: Record<string, DeadAir[]> = {};
  for (const c of h.channels) {
    if (want ? !want.has(c.id) : !(o.pick?.(c.id) ?? true)) continue;
    const bad = deadAir(c.heard, { at: h.at, ...(o.digitPrompts ? { digitPrompts: o.digitPrompts } : {}), ...(o.maxDigitWaitMs !== undefined ? { maxDigitWaitMs: o.maxDigitWaitMs } : {}), ...(o.maxSilenceMs !== undefined ? { maxSilenceMs: o.maxSilenceMs } : {}), ...(o.clockSpeed !== undefined ? { clockSpeed: o.clockSpeed } : {}) });
    if (bad.length) out[c.id] = bad;
  }
  return out;
}

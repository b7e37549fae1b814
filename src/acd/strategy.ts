// Which free agents to ring for one caller, per queue strategy. Pure: the caller passes
// the candidates (already filtered to agents who may be offered a call), the memory the
// strategies need, and the random source.
import type { Strategy } from './queue-config.ts';

export interface Candidate {
  agentId: string;
  penalty: number;
  /** Position in the queue's member list (linear / rrmemory order). */
  order: number;
}

export interface StrategyState {
  /** When each agent last finished a call from this queue (ms); absent = never. */
  lastCallEndedAt: Readonly<Record<string, number>>;
  /** Calls each agent answered in this queue. */
  callsTaken: Readonly<Record<string, number>>;
  /** Member-list position of the agent rrmemory rang last in this queue. */
  rrLastOrder?: number;
}

export type Rng = () => number; // [0, 1)

/**
 * Agents to ring now, in ring order. ringall returns the whole lowest-penalty tier; every
 * other strategy returns one agent. Penalties: only the lowest penalty among candidates is
 * considered (app_queue semantics), except wrandom, where the penalty is the weight.
 */
export function pickAgents(strategy: Strategy, candidates: readonly Candidate[], state: StrategyState, rng: Rng): string[] {
  if (candidates.length === 0) return [];
  if (strategy === 'wrandom') return [weightedRandom(candidates, rng)];
  const minPenalty = Math.min(...candidates.map((c) => c.penalty));
  const tier = candidates.filter((c) => c.penalty === minPenalty).sort((a, b) => a.order - b.order);
  switch (strategy) {
    case 'ringall':
      return tier.map((c) => c.agentId);
    case 'linear':
      return [tier[0]!.agentId];
    case 'leastrecent': {
      // Never-called agents first (as oldest), ties by member order.
      const best = minBy(tier, (c) => state.lastCallEndedAt[c.agentId] ?? Number.NEGATIVE_INFINITY);
      return [best.agentId];
    }
    case 'fewestcalls':
      return [minBy(tier, (c) => state.callsTaken[c.agentId] ?? 0).agentId];
    case 'random': {
      const i = Math.min(tier.length - 1, Math.floor(rng() * tier.length));
      return [tier[i]!.agentId];
    }
    case 'rrmemory': {
      // The next member after the one rung last, wrapping; the last one may have left the tier.
      const lastOrder = state.rrLastOrder ?? -1;
      const after = tier.find((c) => c.order > lastOrder);
      return [(after ?? tier[0]!).agentId];
    }
  }
}

function minBy<T extends object>(items: readonly T[], key: (t: T) => number): T {
  let best = items[0]!;
  let bestKey = key(best);
  for (const it of items.slice(1)) {
    const k = key(it);
    if (k < bestKey) { best = it; bestKey = k; }
  }
  return best;
}

/** Roulette wheel with weight 1/(1+penalty): penalised agents ring less often, never never. */
function weightedRandom(candidates: readonly Candidate[], rng: Rng): string {
  const sorted = [...candidates].sort((a, b) => a.order - b.order);
  const weights = sorted.map((c) => 1 / (1 + c.penalty));
  const total = weights.reduce((s, w) => s + w, 0);
  let x = rng() * total;
  for (let i = 0; i < sorted.length; i++) {
    x -= weights[i]!;
    if (x < 0) return sorted[i]!.agentId;
  }
  return sorted[sorted.length - 1]!.agentId;
}

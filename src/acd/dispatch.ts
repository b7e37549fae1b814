// Who rings next: all decisions in one synchronous place, so an agent's OFFER happens in the
// same turn as the check that it was free — what keeps an agent in several queues from being
// offered two calls at once. Oldest caller first across queues; the queue's strategy picks
// among the free members who have the caller's skills.
import type { AgentPool } from './agents.ts';
import type { LegBook } from './legs.ts';
import type { AcdRuntime, Caller } from './runtime.ts';
import { pickAgents, type Candidate } from './strategy.ts';

export function createDispatcher(rt: AcdRuntime, agents: AgentPool, legs: LegBook, leaveEmptyQueues: () => void) {
  let dispatching = false;
  let again = false;
  let kickScheduled = false;

  function scheduleKick(): void {
    if (kickScheduled) return;
    kickScheduled = true;
    queueMicrotask(() => { kickScheduled = false; kick(); });
  }

  function kick(): void {
    if (!rt.started) return;
    if (dispatching) { again = true; return; }
    dispatching = true;
    try {
      do {
        again = false;
        leaveEmptyQueues();
        dispatchOnce();
      } while (again);
    } finally {
      dispatching = false;
    }
  }

  function dispatchOnce(): void {
    const waiting = [...rt.callers.values()].filter((c) => c.phase === 'waiting').sort((a, b) => a.seq - b.seq);
    for (const c of waiting) {
      const picks = choose(c);
      if (picks.length) legs.startAttempt(c, picks);
    }
  }

  function choose(c: Caller): string[] {
    const q = c.queue;
    const staffed = (id: string) => agents.staffed(agents.get(id)!);
    // Only members with every skill the caller requires (until the requirement is relaxed).
    const pool = c.skills.length ? q.members.filter((m) => c.skills.every((s) => m.skills.includes(s))) : q.members;
    let members = q.members.map((m, order) => ({ m, order })).filter(({ m }) => pool.includes(m) && agents.free(m.id));
    // Agents this caller has not tried yet come first, so one who does not answer is not
    // retried while others were never rung; the round restarts once everyone was tried.
    if (pool.every((m) => c.tried.has(m.id) || !staffed(m.id))) c.tried = new Set();
    const untried = members.filter(({ m }) => !c.tried.has(m.id));
    if (untried.length) members = untried;
    // Never the same agent twice in a row for this caller, unless nobody else in the
    // queue could ever take the call (a one-agent queue would otherwise starve).
    const others = members.filter(({ m }) => !c.lastRung.has(m.id));
    const someoneElseStaffed = pool.some((m) => !c.lastRung.has(m.id) && staffed(m.id));
    if (others.length || someoneElseStaffed) members = others;
    const candidates: Candidate[] = members.map(({ m, order }) => ({ agentId: m.id, penalty: m.penalty, order }));
    return pickAgents(q.strategy, candidates, rt.memory.get(q.id)!, rt.rng);
  }

  return { kick, scheduleKick };
}

// Who sees which live message and when caller numbers are masked, in domain terms. A message
// carries a scope (what it is about); a viewer carries roles, the agent they are and the
// queues they supervise. Pure: the same rules serve the stream and the snapshots.

/** The signed-in identity as the live channel needs it (structurally an auth Identity). */
export interface Viewer {
  kind?: string;
  id?: string;
  roles: readonly string[];
  /** For the agent role: the ACD agent this identity is. */
  agentId?: string;
  /** For the supervisor role: supervised queues (`*` = all). */
  queues?: readonly string[];
  /** An agent console opened on this agent: their screen pops too, if the viewer may act on them. */
  focusAgent?: string;
}

export type Scope =
  /** A queue's figures and its waiting callers. */
  | { queue: string }
  /** An agent's row (seen by the agent and by supervisors of one of their queues). */
  | { agent: string; queues: readonly string[] }
  /** A live call; `queue`/`agent`/`campaign` once known. */
  | { call: { queue?: string; agent?: string; campaign?: string } }
  | { campaigns: true }
  | { hours: true }
  /** Totals over every queue. */
  | { totals: true }
  /** Only this agent (screen pops, their wrap-ups). */
  | { agentOnly: string };

export interface LivePolicy {
  visible(v: Viewer, s: Scope): boolean;
  /** Numbers in a message of this scope are masked for this viewer. */
  masks(v: Viewer, s: Scope): boolean;
}

const has = (v: Viewer, r: string) => v.roles.includes(r);
const everything = (v: Viewer) => has(v, 'admin') || has(v, 'service');
const supervises = (v: Viewer, queues: readonly string[]) => {
  const mine = v.queues ?? [];
  return mine.includes('*') || queues.some((q) => mine.includes(q));
};
const supervisesAll = (v: Viewer) => (v.queues ?? []).includes('*');

export function createLivePolicy(o: { seesNumbers: (v: Viewer) => boolean; agentQueues: (agentId: string) => readonly string[] }): LivePolicy {
  function visible(v: Viewer, s: Scope): boolean {
    if ('agentOnly' in s) {
      if (v.agentId === s.agentOnly && has(v, 'agent')) return true;
      // Someone who may act on the agent (admin; a supervisor of their queues) watching their console.
      return v.focusAgent === s.agentOnly && (everything(v) || (has(v, 'supervisor') && supervises(v, o.agentQueues(s.agentOnly))));
    }
    if (everything(v)) return true;
    const sup = has(v, 'supervisor');
    const agent = has(v, 'agent') && v.agentId !== undefined;
    if ('queue' in s) return (sup && supervises(v, [s.queue])) || (agent && o.agentQueues(v.agentId!).includes(s.queue));
    if ('agent' in s) return (sup && supervises(v, s.queues)) || (agent && v.agentId === s.agent);
    if ('call' in s) {
      const c = s.call;
      if (sup && (c.queue ? supervises(v, [c.queue]) : supervisesAll(v))) return true;
      if (agent && c.agent === v.agentId) return true;
      return has(v, 'campaign-operator') && c.campaign !== undefined;
    }
    if ('campaigns' in s) return sup || has(v, 'campaign-operator');
    if ('hours' in s) return sup;
    if ('totals' in s) return sup && supervisesAll(v);
    return false;
  }
  return {
    visible,
    masks(v, s) {
      if (o.seesNumbers(v)) return false;
      // An agent sees the number of the call offered to them or on their own row: it is the
      // person they are talking to (the CRM record shows it anyway).
      if ('agentOnly' in s) return s.agentOnly !== v.agentId;
      if ('agent' in s) return s.agent !== v.agentId;
      return true;
    },
  };
}

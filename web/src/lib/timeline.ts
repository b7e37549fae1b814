// A stored call as a timeline a supervisor reads: start, each phone-menu step (with the digits
// pressed, which the record never holds for a sensitive gather), the queue wait, who answered,
// how it ended and the wrap-up. Pure: built from the CallRecord the history API returns.
import type { CallRecord } from '../../../src/domain/call-record.ts';

export type TimelineItem =
  | { at: string; kind: 'started'; direction: string; number: string }
  | { at: string; kind: 'step'; node: string; digits?: string; outcome?: string }
  | { at: string; kind: 'queued'; queue: string; wait: number }
  | { at: string; kind: 'answered'; agent: string }
  | { at: string; kind: 'left'; outcome: string }
  | { at: string; kind: 'ended'; disposition: string; talk: number }
  | { at: string; kind: 'wrapUp'; disposition: string; notes?: string };

const QUEUE_OUTCOMES = new Set(['answered', 'abandoned', 'timeout', 'no-agents', 'exit-key', 'full', 'caller-hangup']);
const plus = (iso: string, sec: number) => new Date(Date.parse(iso) + sec * 1000).toISOString();

export function callTimeline(r: CallRecord): TimelineItem[] {
  const out: TimelineItem[] = [{ at: r.startedAt, kind: 'started', direction: r.direction, number: r.direction === 'inbound' ? r.from : r.to }];
  // The flow records a step when a node is entered and another with its outcome (and digits):
  // one timeline item per visit, at its entry time. The queue node's visit is the queue wait.
  const steps: Extract<TimelineItem, { kind: 'step' }>[] = [];
  const open = new Map<string, Extract<TimelineItem, { kind: 'step' }>>();
  let queuedAt: string | undefined;
  for (const s of r.path) {
    if (s.outcome === undefined) {
      const item = { at: s.at, kind: 'step' as const, node: s.node };
      steps.push(item);
      open.set(s.node, item);
      continue;
    }
    const item = open.get(s.node);
    open.delete(s.node);
    if (r.queue && QUEUE_OUTCOMES.has(s.outcome) && item && !queuedAt) {
      queuedAt = item.at;
      steps.splice(steps.indexOf(item), 1);
      continue;
    }
    if (item) Object.assign(item, { outcome: s.outcome, ...(s.digits ? { digits: s.digits } : {}) });
    else steps.push({ at: s.at, kind: 'step', node: s.node, outcome: s.outcome, ...(s.digits ? { digits: s.digits } : {}) });
  }
  out.push(...steps);
  if (r.queue) {
    const at = queuedAt ?? r.answeredAt ?? r.startedAt;
    out.push({ at, kind: 'queued', queue: r.queue.id, wait: r.queue.waitSeconds });
    if (r.queue.outcome === 'answered' && r.agent) out.push({ at: plus(at, r.queue.waitSeconds), kind: 'answered', agent: r.agent.name ?? r.agent.id });
    else out.push({ at: plus(at, r.queue.waitSeconds), kind: 'left', outcome: r.queue.outcome });
  } else if (r.agent && r.answeredAt) {
    out.push({ at: r.answeredAt, kind: 'answered', agent: r.agent.name ?? r.agent.id });
  }
  out.push({ at: r.endedAt, kind: 'ended', disposition: r.disposition, talk: r.talkSeconds });
  if (r.wrapUp) out.push({ at: r.wrapUp.at, kind: 'wrapUp', disposition: r.wrapUp.disposition, ...(r.wrapUp.notes ? { notes: r.wrapUp.notes } : {}) });
  // Stable: equal times keep the order above (start, menu, queue, answer, end).
  return out.map((x, i) => ({ x, i })).sort((a, b) => Date.parse(a.x.at) - Date.parse(b.x.at) || a.i - b.i).map((e) => e.x);
}

// The phone-menu steps of a call as an agent reads them: one entry per node visited, with the
// digits pressed there (never a sensitive gather's: the flow does not record them). Pure.
import type { IvrStep } from '../domain/call-record.ts';

export interface MenuVisit { node: string; at: string; digits?: string; outcome?: string }

export function menuVisits(path: readonly IvrStep[]): MenuVisit[] {
  const out: MenuVisit[] = [];
  const open = new Map<string, MenuVisit>();
  for (const s of path) {
    if (s.outcome === undefined) {
      const v: MenuVisit = { node: s.node, at: s.at };
      out.push(v);
      open.set(s.node, v);
      continue;
    }
    const v = open.get(s.node);
    open.delete(s.node);
    const target = v ?? (out.push({ node: s.node, at: s.at }), out[out.length - 1]!);
    target.outcome = s.outcome;
    if (s.digits) target.digits = s.digits;
  }
  return out;
}

// AuditLog on PostgreSQL. The table refuses UPDATE and DELETE by trigger (see the
// migration); only the retention job may delete, inside its own transaction.
import type { AuditEntry, AuditLog } from '../audit/port.ts';
import type { Db } from './db.ts';

// jsonb refuses \u0000; a refused request carrying NUL bytes must still be kept (as U+FFFD).
const NUL = String.fromCharCode(0);
function noNul(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return v.includes(NUL) ? v.replaceAll(NUL, '\uFFFD') : v;
  if (depth > 20 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => noNul(x, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.replaceAll(NUL, '\uFFFD'), noNul(x, depth + 1)]));
}
const json = (v: unknown) => JSON.stringify(noNul(v));

export function pgAuditLog(db: Db): AuditLog {
  return {
    async append(e) {
      await db.insertInto('audit_log').values({
        at: e.at, actor: e.actor, action: e.action, target: e.target === undefined ? null : e.target.replaceAll(NUL, '\uFFFD'),
        before: e.before === undefined ? null : json(e.before),
        after: e.after === undefined ? null : json(e.after),
        detail: e.detail === undefined ? null : json(e.detail),
      }).execute();
    },
    async query(q) {
      const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
      let s = db.selectFrom('audit_log').selectAll();
      if (q.from) s = s.where('at', '>=', new Date(q.from));
      if (q.to) s = s.where('at', '<', new Date(q.to));
      if (q.actor) s = s.where('actor', '=', q.actor);
      if (q.action) s = s.where('action', '=', q.action);
      if (q.target) s = s.where('target', '=', q.target);
      if (q.cursor && /^\d+$/.test(q.cursor)) s = s.where('id', '<', q.cursor);
      const rows = await s.orderBy('id', 'desc').limit(limit + 1).execute();
      const entries = rows.slice(0, limit).map((r) => {
        const e: AuditEntry & { id: string } = { id: String(r.id), at: new Date(r.at).toISOString(), actor: r.actor, action: r.action };
        if (r.target !== null) e.target = r.target;
        if (r.before !== null) e.before = r.before;
        if (r.after !== null) e.after = r.after;
        if (r.detail !== null) e.detail = r.detail as Record<string, unknown>;
        return e;
      });
      return rows.length > limit ? { entries, next: entries[entries.length - 1]!.id } : { entries };
    },
  };
}

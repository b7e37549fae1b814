// manager.conf `eventfilter` for one user, legacy and advanced forms, with Asterisk 22's
// processing order (include filters first: any match keeps the event; then exclude filters:
// any match drops it; no filters: everything passes). See configs/samples/manager.conf.sample.

export interface EventFilter {
  action: 'include' | 'exclude';
  name?: string;
  header?: string;
  method: 'regex' | 'exact' | 'starts_with' | 'ends_with' | 'contains' | 'none';
  expr: string;
  re?: RegExp;
}

export class FilterSyntaxError extends Error {}

/** One `eventfilter...` line: the key (`eventfilter` or `eventfilter(criteria)`) and the value. */
export function parseFilter(key: string, value: string): EventFilter {
  const k = key.trim();
  if (k === 'eventfilter') {
    const v = value.trim();
    const exclude = v.startsWith('!');
    const expr = exclude ? v.slice(1) : v;
    if (!expr) throw new FilterSyntaxError('eventfilter: empty expression');
    return { action: exclude ? 'exclude' : 'include', method: 'regex', expr, re: compile(expr) };
  }
  const m = /^eventfilter\((.*)\)$/.exec(k);
  if (!m || !m[1]) throw new FilterSyntaxError(`eventfilter: bad criteria ${JSON.stringify(key)}`);
  const f: EventFilter = { action: 'include', method: 'none', expr: value.trim() };
  for (const part of m[1].split(',')) {
    const c = /^(action|name|header|method)\(([^)]*)\)$/.exec(part.trim());
    if (!c) throw new FilterSyntaxError(`eventfilter: bad criterion ${JSON.stringify(part)}`);
    const [, what, arg] = c as unknown as [string, string, string];
    if (what === 'action') {
      if (arg !== 'include' && arg !== 'exclude') throw new FilterSyntaxError(`eventfilter: action(${arg})`);
      f.action = arg;
    } else if (what === 'name') f.name = arg;
    else if (what === 'header') f.header = arg;
    else {
      if (!['regex', 'exact', 'starts_with', 'ends_with', 'contains', 'none'].includes(arg)) throw new FilterSyntaxError(`eventfilter: method(${arg})`);
      f.method = arg as EventFilter['method'];
    }
  }
  // A leading "!" in the value still means exclude (as in Asterisk).
  if (f.expr.startsWith('!')) { f.action = 'exclude'; f.expr = f.expr.slice(1); }
  if (f.method === 'regex') f.re = compile(f.expr);
  return f;
}

function compile(expr: string): RegExp {
  try { return new RegExp(expr); } catch { throw new FilterSyntaxError(`eventfilter: bad regex ${JSON.stringify(expr)}`); }
}

function matches(f: EventFilter, name: string, fields: Record<string, string | number>, payload: () => string): boolean {
  if (f.name !== undefined && f.name !== name) return false;
  let data: string;
  if (f.header !== undefined) {
    const v = fields[f.header];
    if (v === undefined) return false;
    data = String(v);
  } else data = f.method === 'none' ? '' : payload();
  switch (f.method) {
    case 'none': return true;
    case 'regex': return f.re!.test(data);
    case 'exact': return data === f.expr;
    case 'starts_with': return data.startsWith(f.expr);
    case 'ends_with': return data.endsWith(f.expr);
    case 'contains': return data.includes(f.expr);
  }
}

/** Whether an event passes a user's filters; `payload` is the event text (legacy filters match it whole). */
export function passes(filters: EventFilter[], name: string, fields: Record<string, string | number>, payload: () => string): boolean {
  if (filters.length === 0) return true;
  const inc = filters.filter((f) => f.action === 'include');
  if (inc.length && !inc.some((f) => matches(f, name, fields, payload))) return false;
  return !filters.some((f) => f.action === 'exclude' && matches(f, name, fields, payload));
}

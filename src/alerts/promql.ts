// The subset of PromQL the shipped alert rules use, parsed and evaluated over a window of
// scraped samples, so the built-in alerter evaluates the very expressions Prometheus does
// (deploy/prometheus/centralita.rules.yml). Anything outside the subset is a parse error
// with its position, never a silent mis-evaluation. Pure: no I/O, time is an argument.
//
// Supported: number literals; selectors name{l="v",l!="v",l=~"re",l!~"re"}; range
// selectors [Ns|m|h] inside rate/increase/delta/max_over_time/min_over_time/avg_over_time;
// sum/max/min/avg/count [by (labels)]; + - * / between vectors/scalars; comparisons
// > < >= <= == != (filtering); and/or/unless; parentheses.

export type Labels = Record<string, string>;
export interface Sample { labels: Labels; value: number }
/** Scrapes in time order: each is every series' value at one instant (ms). */
export interface History { at: number; series: Map<string, Sample> }

type Matcher = { label: string; op: '=' | '!=' | '=~' | '!~'; value: string; re?: RegExp };
export type Expr =
  | { kind: 'number'; value: number }
  | { kind: 'selector'; name: string; matchers: Matcher[]; rangeMs?: number }
  | { kind: 'call'; fn: string; arg: Expr }
  | { kind: 'agg'; op: 'sum' | 'max' | 'min' | 'avg' | 'count'; by: string[]; arg: Expr }
  | { kind: 'binary'; op: string; lhs: Expr; rhs: Expr };

export class PromqlError extends Error {
  readonly code = 'PROMQL_UNSUPPORTED';
  readonly expr: string;
  readonly at: number;
  constructor(message: string, expr: string, at: number) {
    super(`${message} at position ${at} in ${JSON.stringify(expr)}`);
    this.expr = expr;
    this.at = at;
  }
}

const RANGE_FNS = new Set(['rate', 'increase', 'delta', 'max_over_time', 'min_over_time', 'avg_over_time']);
const AGGS = new Set(['sum', 'max', 'min', 'avg', 'count']);
// Lowest to highest precedence (PromQL's order).
const LEVELS: string[][] = [['or'], ['and', 'unless'], ['==', '!=', '>=', '<=', '>', '<'], ['+', '-'], ['*', '/']];

export function parse(src: string): Expr {
  let i = 0;
  const fail = (m: string): never => { throw new PromqlError(m, src, i); };
  const ws = () => { while (i < src.length && /\s/.test(src[i]!)) i++; };
  const peekWord = () => { ws(); const m = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(src.slice(i)); return m ? m[0] : undefined; };
  const eat = (s: string) => { ws(); if (src.startsWith(s, i)) { i += s.length; return true; } return false; };
  const expect = (s: string) => { if (!eat(s)) fail(`expected "${s}"`); };
  const str = (): string => {
    ws();
    const q = src[i];
    if (q !== '"' && q !== "'") fail('expected a quoted string');
    let out = '';
    for (i++; i < src.length && src[i] !== q; i++) {
      if (src[i] === '\\') { i++; out += src[i] === 'n' ? '\n' : src[i]; } else out += src[i];
    }
    if (src[i] !== q) fail('unterminated string');
    i++;
    return out;
  };
  const labelList = (): string[] => {
    expect('(');
    const out: string[] = [];
    while (!eat(')')) { const w = peekWord(); if (!w) fail('expected a label name'); i += w!.length; out.push(w!); eat(','); }
    return out;
  };
  const duration = (): number => {
    ws();
    const m = /^(\d+)(ms|s|m|h|d)/.exec(src.slice(i));
    if (!m) fail('expected a duration like 5m');
    i += m![0].length;
    return Number(m![1]) * { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[m![2] as 'ms']!;
  };

  function primary(): Expr {
    ws();
    if (eat('(')) { const e = expr(0); expect(')'); return e; }
    const num = /^\d+(\.\d+)?(e[+-]?\d+)?/i.exec(src.slice(i));
    if (num) { i += num[0].length; return { kind: 'number', value: Number(num[0]) }; }
    if (eat('-')) { const e = primary(); return { kind: 'binary', op: '*', lhs: { kind: 'number', value: -1 }, rhs: e }; }
    const word = peekWord();
    if (!word) fail('expected an expression');
    i += word!.length;
    if (AGGS.has(word!)) {
      let by: string[] = [];
      if (peekWord() === 'by') { i += 2; ws(); by = labelList(); }
      else if (peekWord() === 'without') fail('"without" is not supported; use "by"');
      expect('(');
      const arg = expr(0);
      expect(')');
      if (peekWord() === 'by') { i += 2; ws(); by = labelList(); }
      return { kind: 'agg', op: word as 'sum', by, arg };
    }
    ws();
    if (src[i] === '(') {
      if (!RANGE_FNS.has(word!)) fail(`function ${word} is not supported`);
      expect('(');
      const arg = expr(0);
      expect(')');
      if (arg.kind !== 'selector' || arg.rangeMs === undefined) fail(`${word}() needs a range selector like m[5m]`);
      return { kind: 'call', fn: word!, arg };
    }
    const matchers: Matcher[] = [];
    if (eat('{')) {
      while (!eat('}')) {
        const label = peekWord();
        if (!label) fail('expected a label matcher');
        i += label!.length;
        ws();
        const op = (['=~', '!~', '!=', '='] as const).find((o) => src.startsWith(o, i));
        if (!op) fail('expected =, !=, =~ or !~');
        i += op!.length;
        const value = str();
        const m: Matcher = { label: label!, op: op!, value };
        if (op === '=~' || op === '!~') m.re = new RegExp(`^(?:${value})$`);
        matchers.push(m);
        eat(',');
      }
    }
    const sel: Expr = { kind: 'selector', name: word!, matchers };
    if (eat('[')) { sel.rangeMs = duration(); expect(']'); }
    return sel;
  }

  function expr(level: number): Expr {
    if (level >= LEVELS.length) return primary();
    let lhs = expr(level + 1);
    for (;;) {
      ws();
      const op = LEVELS[level]!.find((o) => (/^[a-z]/.test(o) ? new RegExp(`^${o}\\b`).test(src.slice(i)) : src.startsWith(o, i)));
      if (!op) return lhs;
      i += op.length;
      if (peekWord() === 'bool' || peekWord() === 'on' || peekWord() === 'ignoring' || peekWord() === 'group_left') fail(`"${peekWord()}" modifiers are not supported`);
      const rhs = expr(level + 1);
      lhs = { kind: 'binary', op, lhs, rhs };
    }
  }

  const e = expr(0);
  ws();
  if (i < src.length) fail('unexpected text');
  return e;
}

type Value = { scalar: number } | { vector: Sample[] };

const key = (l: Labels) => JSON.stringify(Object.keys(l).sort().map((k) => [k, l[k]]));
const withoutName = (l: Labels): Labels => { const { __name__: _n, ...rest } = l; return rest; };

function matches(s: Sample, sel: Extract<Expr, { kind: 'selector' }>): boolean {
  if (s.labels.__name__ !== sel.name) return false;
  for (const m of sel.matchers) {
    const v = s.labels[m.label] ?? '';
    if (m.op === '=' && v !== m.value) return false;
    if (m.op === '!=' && v === m.value) return false;
    if (m.op === '=~' && !m.re!.test(v)) return false;
    if (m.op === '!~' && m.re!.test(v)) return false;
  }
  return true;
}

/** Evaluates at `at` (ms) over the history (oldest first); samples older than 5 min are stale, as in Prometheus. */
export function evaluate(e: Expr, history: History[], at: number): Value {
  switch (e.kind) {
    case 'number': return { scalar: e.value };
    case 'selector': {
      // Instant selector: the latest sample of each series within the 5-minute lookback.
      const out = new Map<string, Sample>();
      for (const h of history) {
        if (h.at > at || h.at < at - 300_000) continue;
        for (const s of h.series.values()) if (matches(s, e)) out.set(key(s.labels), s);
      }
      return { vector: [...out.values()] };
    }
    case 'call': {
      const sel = e.arg as Extract<Expr, { kind: 'selector' }>;
      const points = new Map<string, { labels: Labels; pts: { t: number; v: number }[] }>();
      for (const h of history) {
        if (h.at > at || h.at <= at - sel.rangeMs!) continue;
        for (const s of h.series.values()) {
          if (!matches(s, sel)) continue;
          const k = key(s.labels);
          let p = points.get(k);
          if (!p) points.set(k, (p = { labels: s.labels, pts: [] }));
          p.pts.push({ t: h.at, v: s.value });
        }
      }
      const vector: Sample[] = [];
      for (const { labels, pts } of points.values()) {
        const vs = pts.map((p) => p.v);
        let v: number | undefined;
        if (e.fn === 'max_over_time') v = Math.max(...vs);
        else if (e.fn === 'min_over_time') v = Math.min(...vs);
        else if (e.fn === 'avg_over_time') v = vs.reduce((a, b) => a + b, 0) / vs.length;
        else {
          if (pts.length < 2) continue;
          let inc = 0;
          for (let j = 1; j < pts.length; j++) {
            const d = pts[j]!.v - pts[j - 1]!.v;
            // A drop in a counter is a restart: the new value is all increase.
            inc += e.fn !== 'delta' && d < 0 ? pts[j]!.v : d;
          }
          v = e.fn === 'rate' ? inc / ((pts[pts.length - 1]!.t - pts[0]!.t) / 1000) : inc;
        }
        vector.push({ labels: withoutName(labels), value: v });
      }
      return { vector };
    }
    case 'agg': {
      const arg = evaluate(e.arg, history, at);
      if (!('vector' in arg)) throw new PromqlError(`${e.op}() needs a vector`, '', 0);
      const groups = new Map<string, { labels: Labels; vs: number[] }>();
      for (const s of arg.vector) {
        const labels: Labels = {};
        for (const b of e.by) if (s.labels[b] !== undefined) labels[b] = s.labels[b]!;
        const k = key(labels);
        let g = groups.get(k);
        if (!g) groups.set(k, (g = { labels, vs: [] }));
        g.vs.push(s.value);
      }
      const f = { sum: (v: number[]) => v.reduce((a, b) => a + b, 0), max: (v: number[]) => Math.max(...v), min: (v: number[]) => Math.min(...v), avg: (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length, count: (v: number[]) => v.length }[e.op];
      return { vector: [...groups.values()].map((g) => ({ labels: g.labels, value: f(g.vs) })) };
    }
    case 'binary': {
      const l = evaluate(e.lhs, history, at);
      const r = evaluate(e.rhs, history, at);
      return binary(e.op, l, r);
    }
  }
}

const ARITH: Record<string, (a: number, b: number) => number> = { '+': (a, b) => a + b, '-': (a, b) => a - b, '*': (a, b) => a * b, '/': (a, b) => a / b };
const CMP: Record<string, (a: number, b: number) => boolean> = { '>': (a, b) => a > b, '<': (a, b) => a < b, '>=': (a, b) => a >= b, '<=': (a, b) => a <= b, '==': (a, b) => a === b, '!=': (a, b) => a !== b };

function binary(op: string, l: Value, r: Value): Value {
  if (op === 'and' || op === 'or' || op === 'unless') {
    if (!('vector' in l) || !('vector' in r)) throw new PromqlError(`"${op}" needs vectors on both sides`, '', 0);
    const rk = new Set(r.vector.map((s) => key(withoutName(s.labels))));
    if (op === 'and') return { vector: l.vector.filter((s) => rk.has(key(withoutName(s.labels)))) };
    if (op === 'unless') return { vector: l.vector.filter((s) => !rk.has(key(withoutName(s.labels)))) };
    const lk = new Set(l.vector.map((s) => key(withoutName(s.labels))));
    return { vector: [...l.vector, ...r.vector.filter((s) => !lk.has(key(withoutName(s.labels))))] };
  }
  const arith = ARITH[op];
  const cmp = CMP[op]!;
  if ('scalar' in l && 'scalar' in r) return { scalar: arith ? arith(l.scalar, r.scalar) : Number(cmp(l.scalar, r.scalar)) };
  if ('vector' in l && 'scalar' in r) return { vector: l.vector.flatMap((s) => (arith ? [{ labels: withoutName(s.labels), value: arith(s.value, r.scalar) }] : cmp(s.value, r.scalar) ? [s] : [])) };
  if ('scalar' in l && 'vector' in r) return { vector: r.vector.flatMap((s) => (arith ? [{ labels: withoutName(s.labels), value: arith(l.scalar, s.value) }] : cmp(l.scalar, s.value) ? [{ labels: s.labels, value: l.scalar }] : [])) };
  // vector–vector: one-to-one on identical label sets (metric name dropped).
  const rv = new Map((r as { vector: Sample[] }).vector.map((s) => [key(withoutName(s.labels)), s]));
  const out: Sample[] = [];
  for (const s of (l as { vector: Sample[] }).vector) {
    const o = rv.get(key(withoutName(s.labels)));
    if (!o) continue;
    if (arith) out.push({ labels: withoutName(s.labels), value: arith(s.value, o.value) });
    else if (cmp(s.value, o.value)) out.push(s);
  }
  return { vector: out };
}

/** Metric names an expression reads (the dashboard/rules test and the sampler use it). */
export function metricNames(e: Expr): string[] {
  switch (e.kind) {
    case 'number': return [];
    case 'selector': return [e.name];
    case 'call': case 'agg': return metricNames(e.arg);
    case 'binary': return [...new Set([...metricNames(e.lhs), ...metricNames(e.rhs)])];
  }
}

/** Longest range the expression looks back (ms), at least the 5-minute instant lookback. */
export function lookbackMs(e: Expr): number {
  switch (e.kind) {
    case 'number': return 0;
    case 'selector': return Math.max(300_000, e.rangeMs ?? 0);
    case 'call': case 'agg': return lookbackMs(e.arg);
    case 'binary': return Math.max(lookbackMs(e.lhs), lookbackMs(e.rhs));
  }
}

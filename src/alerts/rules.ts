// Alerting rules in Prometheus's rule-file format, parsed for the built-in alerter. Every
// expression is parsed up front: an unsupported construct stops start-up with its rule name.
import { parse as parseYaml } from 'yaml';
import { parse, lookbackMs, metricNames, type Expr } from './promql.ts';

export interface AlertRule {
  group: string;
  name: string;
  expr: string;
  ast: Expr;
  forMs: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Longest look-back of the expression (history to keep). */
  lookbackMs: number;
  metrics: string[];
}

export class AlertRulesError extends Error {
  readonly code = 'ALERT_RULES_INVALID';
}

export function parseDuration(s: string | undefined): number {
  if (s === undefined || s === '') return 0;
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(String(s));
  if (!m) throw new AlertRulesError(`bad duration ${JSON.stringify(s)}`);
  return Number(m[1]) * { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[m[2] as 'ms']!;
}

/** The rules of `groups` (all when unset) from a Prometheus rule file's text. */
export function loadRules(text: string, opts: { groups?: string[] } = {}): { rules: AlertRule[]; intervalMs: number } {
  const doc = parseYaml(text) as { groups?: { name: string; interval?: string; rules: { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[] };
  if (!doc?.groups?.length) throw new AlertRulesError('no rule groups');
  const rules: AlertRule[] = [];
  let intervalMs = 15_000;
  for (const g of doc.groups) {
    if (opts.groups && !opts.groups.includes(g.name)) continue;
    if (g.interval) intervalMs = parseDuration(g.interval);
    for (const r of g.rules) {
      if (!r.alert) throw new AlertRulesError(`group ${g.name}: only alerting rules are supported (found record ${r.record})`);
      let ast: Expr;
      try { ast = parse(String(r.expr)); } catch (err) { throw new AlertRulesError(`rule ${r.alert}: ${(err as Error).message}`); }
      rules.push({ group: g.name, name: r.alert, expr: String(r.expr), ast, forMs: parseDuration(r.for), labels: { ...(r.labels ?? {}) }, annotations: { ...(r.annotations ?? {}) }, lookbackMs: lookbackMs(ast), metrics: metricNames(ast) });
    }
  }
  return { rules, intervalMs };
}

/** Prometheus-style `{{ $labels.x }}` and `{{ $value }}` in annotations (the subset the rules use). */
export function renderTemplate(t: string, labels: Record<string, string>, value: number): string {
  return t.replace(/\{\{\s*\$labels\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, k: string) => labels[k] ?? '').replace(/\{\{\s*\$value\s*\}\}/g, String(value));
}

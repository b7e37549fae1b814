// The built-in alerter against promtool's own test cases: every case of
// deploy/prometheus/centralita.rules.test.yml is replayed through src/alerts (series in
// promtool's expanding notation, one evaluation per group interval), and the alerts firing
// at each eval_time must be exactly the expected ones — labels and rendered annotations.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createAlerter, type Alert } from '../../../src/alerts/alerter.ts';
import { loadRules, parseDuration } from '../../../src/alerts/rules.ts';
import type { Sample } from '../../../src/alerts/promql.ts';

const dir = new URL('../../../deploy/prometheus/', import.meta.url);
const rulesText = readFileSync(new URL('centralita.rules.yml', dir), 'utf8');
type Case = { name: string; interval: string; input_series: { series: string; values: string }[]; alert_rule_test: { eval_time: string; alertname: string; exp_alerts: { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[] }[] };
const doc = parseYaml(readFileSync(new URL('centralita.rules.test.yml', dir), 'utf8')) as { tests: Case[] };

/** promtool's notation: "a", "a+bxn", "a-bxn", "axn", "_", "_xn" (missing). */
export function expandValues(s: string): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  for (const tok of s.trim().split(/\s+/)) {
    let m;
    if ((m = /^_(?:x(\d+))?$/.exec(tok))) { for (let i = 0; i <= Number(m[1] ?? 0); i++) out.push(undefined); }
    else if ((m = /^(-?[\d.]+)([+-])([\d.]+)x(\d+)$/.exec(tok))) { const a = Number(m[1]), b = Number(m[3]) * (m[2] === '-' ? -1 : 1); for (let i = 0; i <= Number(m[4]); i++) out.push(a + i * b); }
    else if ((m = /^(-?[\d.]+)x(\d+)$/.exec(tok))) { for (let i = 0; i <= Number(m[2]); i++) out.push(Number(m[1])); }
    else out.push(Number(tok));
  }
  return out;
}

function parseSeries(s: string): Record<string, string> {
  const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?$/.exec(s.trim())!;
  const labels: Record<string, string> = { __name__: m[1]! };
  for (const kv of (m[2] ?? '').match(/[A-Za-z_][A-Za-z0-9_]*="[^"]*"/g) ?? []) { const [k, v] = kv.split('='); labels[k!] = v!.slice(1, -1); }
  return labels;
}

describe('built-in alerter = promtool on the shipped rule tests', () => {
  const { rules, intervalMs } = loadRules(rulesText);
  for (const c of doc.tests) {
    it(c.name, async () => {
      const step = parseDuration(c.interval);
      const series = c.input_series.map((s) => ({ labels: parseSeries(s.series), values: expandValues(s.values) }));
      let now = 0;
      const sample = async (): Promise<Sample[]> => {
        // The latest input point at or before now (promtool holds a value until the next one).
        const idx = Math.floor(now / step);
        return series.flatMap((s) => { const v = s.values[Math.min(idx, s.values.length - 1)]; return v === undefined || idx >= s.values.length + 5 ? [] : [{ labels: s.labels, value: v }]; });
      };
      const sent: Alert[] = [];
      const alerter = createAlerter({ rules, sample, notifiers: [{ name: 'test', send: async (a) => { sent.push(...a); } }], now: () => now, intervalMs });
      const checks = [...c.alert_rule_test].sort((a, b) => parseDuration(a.eval_time) - parseDuration(b.eval_time));
      let next = 0;
      for (const check of checks) {
        const until = parseDuration(check.eval_time);
        for (; next <= until; next += intervalMs) { now = next; await alerter.tick(); }
        const firing = alerter.active().filter((a) => a.name === check.alertname).map((a) => ({ labels: a.labels, annotations: a.annotations }));
        const expected = check.exp_alerts.map((e) => ({ labels: e.exp_labels ?? {}, annotations: e.exp_annotations ?? {} }));
        expect(firing, `${check.alertname} at ${check.eval_time}`).toEqual(expected);
      }
    });
  }

  it('expands promtool notation', () => {
    expect(expandValues('0+1x3 _ 5x2 10-2x2')).toEqual([0, 1, 2, 3, undefined, 5, 5, 5, 10, 8, 6]);
  });
});

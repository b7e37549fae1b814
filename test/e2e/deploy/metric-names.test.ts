// Every metric the Grafana dashboard, the Prometheus rules, the CloudWatch agent and the CDK
// alarms name is one the running app really exports: the app is started as `npm start`
// builds it (embedded simulator) and its /metrics is scraped.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logger.ts';
import { startCentralita, type RunningApp } from '../../../src/main.ts';

const repo = (p: string) => new URL(`../../../${p}`, import.meta.url);
const read = (p: string) => readFileSync(repo(p), 'utf8');

/** Metric names in a PromQL expression: identifiers not followed by "(" that are not keywords or labels. */
function names(expr: string): string[] {
  const noStrings = expr.replace(/"[^"]*"/g, '""').replace(/\{[^}]*\}/g, '{}').replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, '').replace(/\[[^\]]*\]/g, '');
  return [...noStrings.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)]
    .filter((m) => !/^\s*\(/.test(noStrings.slice(m.index + m[0].length)) && !/[\d.]$/.test(noStrings.slice(0, m.index)))
    .map((m) => m[0])
    .filter((n) => !['and', 'or', 'unless', 'bool'].includes(n));
}

describe('metric names used by dashboards, rules and alarms exist in /metrics', () => {
  let app: RunningApp;
  let exported: Set<string>;

  beforeAll(async () => {
    const redisUrl = `${inject('redisUrl')}/14`;
    const flush = new Redis(redisUrl);
    await flush.flushdb();
    flush.disconnect();
    const dataDir = mkdtempSync(join(tmpdir(), 'centralita-metrics-'));
    const config = loadConfig({ REDIS_URL: redisUrl, HTTP_PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent', SHUTDOWN_DEADLINE_MS: '1000', CAMPAIGN_INBOX_DIR: join(dataDir, 'inbox'), CAMPAIGN_RESULTS_DIR: join(dataDir, 'results') });
    app = await startCentralita(config, createLogger({ level: 'silent' }));
    // /metrics needs a token (service or admin role), as Prometheus sends one.
    const text = await (await fetch(`${app.httpUrl}/metrics`, { headers: { authorization: `Bearer ${app.token}` } })).text();
    exported = new Set();
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      exported.add(m[1]!);
      if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exported.add(m[1]! + s);
      if (m[2] === 'summary') for (const s of ['_sum', '_count']) exported.add(m[1]! + s);
    }
  }, 60_000);
  afterAll(async () => { await app?.stop(); });

  it('the Grafana dashboard', () => {
    const dash = JSON.parse(read('deploy/grafana/centralita-dashboard.json')) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const used = dash.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => names(t.expr).map((n) => [p.title, n] as const)));
    expect(used.length).toBeGreaterThan(40);
    for (const [panel, n] of used) expect(exported.has(n), `${panel}: ${n}`).toBe(true);
  });

  it('the Prometheus rules (all but the scrape-health group, which reads Prometheus\'s own "up")', () => {
    const doc = parseYaml(read('deploy/prometheus/centralita.rules.yml')) as { groups: { name: string; rules: { alert: string; expr: string }[] }[] };
    for (const g of doc.groups) for (const r of g.rules) for (const n of names(r.expr)) {
      if (n === 'up' && g.name === 'centralita-scrape') continue;
      expect(exported.has(n), `${r.alert}: ${n}`).toBe(true);
    }
  });

  it('the CloudWatch agent selectors and the CDK alarms', () => {
    const agent = JSON.parse(read('deploy/cloudwatch/amazon-cloudwatch-agent.json'));
    const selectors: string[] = agent.logs.metrics_collected.prometheus.emf_processor.metric_declaration.flatMap((d: { metric_selectors: string[] }) => d.metric_selectors);
    expect(selectors.length).toBeGreaterThan(3);
    for (const s of selectors) expect(exported.has(s.replace(/^\^|\$$/g, '')), s).toBe(true);
    const alarms = read('deploy/aws/lib/alarms.ts');
    const list = /APP_ALARM_METRICS = \[([^\]]+)\]/.exec(alarms)![1]!.match(/'([a-z_]+)'/g)!.map((s) => s.slice(1, -1));
    for (const n of list) {
      expect(exported.has(n), `alarm metric ${n}`).toBe(true);
      expect(selectors, `${n} is shipped to CloudWatch`).toContain(`^${n}$`);
    }
  });
});

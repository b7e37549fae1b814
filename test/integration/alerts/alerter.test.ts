// The built-in alerter end to end on the app's real metric modules: a burst of failed calls
// (call records on the event bus) and an ARI outage (the real ARI adapter losing the
// simulated PBX, which then comes back on the same port) each raise exactly one alert and
// then resolve it, on a Slack webhook (a local HTTP server) and an SNS topic (a local SNS
// endpoint), with nothing repeated while an alert stays firing. Time is a manual clock.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createLogger } from '../../../src/logger.ts';
import { createEventBus } from '../../../src/domain/event-bus.ts';
import { startSimulator, type Simulator } from '../../../src/sim/index.ts';
import { createAriTelephony, type AriTelephony } from '../../../src/telephony/ari/adapter.ts';
import { registerCallMetrics } from '../../../src/calls/metrics.ts';
import type { CallService } from '../../../src/calls/service.ts';
import { registerOpsMetrics } from '../../../src/ops/metrics.ts';
import { createAlerter, type Alerter } from '../../../src/alerts/alerter.ts';
import { loadRules } from '../../../src/alerts/rules.ts';
import { registrySampler } from '../../../src/alerts/samples.ts';
import { webhookNotifier } from '../../../src/alerts/notify.ts';
import { BUILTIN_GROUPS, SHIPPED_RULES } from '../../../src/alerts/index.ts';
import { snsNotifier } from '../../../src/integrations/sns/alerts.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { startSnsServer } from '../../fakes/sns-server.ts';
import { waitFor } from '../../helpers/wait.ts';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:centralita-alarms';
const logger = createLogger({ level: 'silent' });

describe('built-in alerter: failed-call burst and ARI outage', () => {
  let sim: Simulator;
  let port: number;
  let ari: AriTelephony;
  let hook: Server;
  let hookUrl: string;
  const slack: { text: string; blocks: unknown[] }[] = [];
  let sns: Awaited<ReturnType<typeof startSnsServer>>;
  let alerter: Alerter;
  const bus = createEventBus();
  let now = Date.parse('2026-12-01T10:00:00Z');

  beforeAll(async () => {
    sim = await startSimulator({ host: '127.0.0.1', port: 0, user: 'u', password: 'p', app: 'centralita', logger });
    port = Number(new URL(sim.url).port);
    ari = await createAriTelephony({ url: sim.url, user: 'u', password: 'p', app: 'centralita', requestTimeoutMs: 2000, rest: 'http', logger, backoff: { initialMs: 50, maxMs: 200 } });
    hook = createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => { b += c; });
      req.on('end', () => { slack.push(JSON.parse(b)); res.writeHead(200).end('ok'); });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/services/T0/B0/secret`;
    sns = await startSnsServer({ topics: [TOPIC] });

    const registry = new Registry();
    const calls = { stats: () => ({ started: 0, ended: 0, live: 0, unknownFlow: 0, actorErrors: 0, vanished: 0, recordsFailed: 0, resyncs: 0, roleCalls: 0 }) } as unknown as CallService;
    registerCallMetrics(registry, { calls, ari });
    registerOpsMetrics(registry, { bus, readiness: [ari.readiness()] });
    const { rules, intervalMs } = loadRules(readFileSync(SHIPPED_RULES, 'utf8'), { groups: BUILTIN_GROUPS });
    alerter = createAlerter({
      rules, intervalMs, now: () => now,
      sample: registrySampler(registry, rules.flatMap((r) => r.metrics)),
      notifiers: [
        webhookNotifier({ url: hookUrl, format: 'slack', source: 'test' }),
        snsNotifier({ topicArn: TOPIC, region: 'us-east-1', endpoint: sns.url, accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }),
      ],
    });
  });
  afterAll(async () => {
    await alerter?.stop();
    await ari?.close();
    await sim?.close();
    await sns?.close();
    hook?.closeAllConnections();
    await new Promise((r) => hook?.close(r));
  });

  /** Ticks every 15 s of simulated time for `ms`. */
  async function run(ms: number) { for (let t = 0; t < ms; t += 15_000) { now += 15_000; await alerter.tick(); } }
  const record = (i: number, disposition: CallRecord['disposition']): CallRecord => ({ id: `cr-${i}`, disposition, hangupCause: disposition === 'failed' ? 34 : 16, hangupCauseText: disposition === 'failed' ? 'Circuit/channel congestion' : 'Normal Clearing' } as CallRecord);
  const titles = () => slack.map((m) => m.text.split(':')[0]);

  it('a failed-call burst raises one alert, once, and resolves it', async () => {
    await run(60_000);
    expect(slack).toHaveLength(0);
    for (let i = 0; i < 8; i++) bus.emit('call.record', record(i, 'failed'));
    for (let i = 8; i < 10; i++) bus.emit('call.record', record(i, 'answered'));
    await run(15_000);
    expect(titles()).toEqual(['🔴 FIRING CentralitaFailedCallBurst']);
    await run(120_000); // still firing: nothing new is sent
    expect(slack).toHaveLength(1);
    await run(6 * 60_000); // the 5-minute window has moved past the burst
    expect(titles()).toEqual(['🔴 FIRING CentralitaFailedCallBurst', '✅ RESOLVED CentralitaFailedCallBurst']);
    expect(slack[1]!.text).toMatch(/resolved 2026-12-01T10:/);
    expect(sns.published.map((p) => p.subject)).toEqual(['[CRITICAL] CentralitaFailedCallBurst', '[RESOLVED] CentralitaFailedCallBurst']);
    expect(sns.published[0]!.attributes).toEqual({ status: 'firing', alertname: 'CentralitaFailedCallBurst' });
  });

  it('an ARI outage raises one alert after a minute, and resolves it when Asterisk is back', async () => {
    slack.length = 0;
    sns.published.length = 0;
    await sim.close();
    await waitFor(() => !ari.status().connected, 5000);
    await run(30_000);
    expect(slack).toHaveLength(0); // pending: `for: 1m`
    await run(60_000);
    expect(titles()).toEqual(['🔴 FIRING CentralitaAriDisconnected']);
    await run(30_000);
    expect(slack).toHaveLength(1);
    sim = await startSimulator({ host: '127.0.0.1', port, user: 'u', password: 'p', app: 'centralita', logger });
    await waitFor(() => ari.status().connected, 10_000);
    await run(15_000);
    expect(titles()).toEqual(['🔴 FIRING CentralitaAriDisconnected', '✅ RESOLVED CentralitaAriDisconnected']);
    expect(sns.published.map((p) => p.subject)).toEqual(['[CRITICAL] CentralitaAriDisconnected', '[RESOLVED] CentralitaAriDisconnected']);
    expect(alerter.active()).toEqual([]);
  });

  it('a notification that fails is retried on the next round, not lost', async () => {
    slack.length = 0;
    sns.published.length = 0;
    sns.failNext(10); // more than the SDK's own retries
    for (let i = 100; i < 110; i++) bus.emit('call.record', record(i, 'failed'));
    await run(15_000);
    expect(sns.published).toHaveLength(0);
    expect(slack).toHaveLength(1); // the webhook got it; only SNS owes it
    sns.failNext(0);
    await run(15_000);
    expect(sns.published.map((p) => p.subject)).toEqual(['[CRITICAL] CentralitaFailedCallBurst']);
    expect(slack).toHaveLength(1); // not sent twice to the webhook
    expect(alerter.stats().notificationsFailed).toBeGreaterThanOrEqual(1);
  });
});

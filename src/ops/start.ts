// Observability wiring for main.ts in one call: the Stasis-core metrics, the on-call
// metrics and the built-in alerter (with SNS when configured). Returns what to stop.
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { EventBus } from '../domain/event-bus.ts';
import type { ReadinessCheck } from '../http/server.ts';
import type { CallService } from '../calls/service.ts';
import { registerCallMetrics, type AriStatsSource } from '../calls/metrics.ts';
import { createDialLimits } from '../campaigns/limits.ts';
import { registerOpsMetrics } from './metrics.ts';
import { startBuiltinAlerter } from '../alerts/index.ts';
import { snsNotifier } from '../integrations/sns/alerts.ts';

export function startObservability(o: { config: Config; registry: Registry; logger: Logger; bus: EventBus; readiness: ReadinessCheck[]; redis: Redis; calls: CallService; ari: AriStatsSource; now?: () => number }): { stop(): Promise<void> } {
  registerCallMetrics(o.registry, { calls: o.calls, ari: o.ari });
  const limits = createDialLimits(o.redis);
  const off = registerOpsMetrics(o.registry, {
    bus: o.bus,
    readiness: o.readiness,
    dependencies: { redis: () => o.redis.ping() },
    dialer: { ...o.config.dialer, active: () => limits.active() },
  });
  const { aws, alerts } = o.config;
  const alerter = startBuiltinAlerter({
    config: alerts,
    registry: o.registry,
    logger: o.logger.child({ component: 'alerts' }),
    ...(alerts.snsTopicArn ? { sns: snsNotifier({ topicArn: alerts.snsTopicArn, region: aws.region, accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey }) } : {}),
    ...(o.now ? { now: o.now } : {}),
  });
  return { async stop() { off(); await alerter?.stop(); } };
}

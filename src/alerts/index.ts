// Wiring of the built-in alerter for main.ts: rules from the shipped rule file, samples from
// the app's registry, notifications to the log and to the configured webhook / SNS topic.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import type { Logger } from '../logger.ts';
import { createAlerter, type Alerter, type AlertNotifier } from './alerter.ts';
import { loadRules } from './rules.ts';
import { registrySampler } from './samples.ts';
import { logNotifier, webhookNotifier, type WebhookFormat } from './notify.ts';

export interface AlertsConfig {
  enabled: boolean;
  /** Unset = the rule file shipped with the app. */
  rulesFile?: string;
  intervalMs: number;
  webhookUrl?: string;
  webhookFormat: WebhookFormat;
  snsTopicArn?: string;
}

export const SHIPPED_RULES = fileURLToPath(new URL('../../deploy/prometheus/centralita.rules.yml', import.meta.url));

/** Rule groups the built-in alerter evaluates (the others need a Prometheus watching the scrape). */
export const BUILTIN_GROUPS = ['centralita'];

export function startBuiltinAlerter(o: { config: AlertsConfig; registry: Registry; logger: Logger; sns?: AlertNotifier; now?: () => number }): Alerter | undefined {
  if (!o.config.enabled) return undefined;
  const { rules } = loadRules(readFileSync(o.config.rulesFile ?? SHIPPED_RULES, 'utf8'), { groups: BUILTIN_GROUPS });
  const notifiers: AlertNotifier[] = [logNotifier(o.logger)];
  const source = `centralita@${hostname()}`;
  if (o.config.webhookUrl) notifiers.push(webhookNotifier({ url: o.config.webhookUrl, format: o.config.webhookFormat, source }));
  if (o.sns) notifiers.push(o.sns);
  const alerter = createAlerter({
    rules, notifiers, now: o.now ?? Date.now, intervalMs: o.config.intervalMs,
    sample: registrySampler(o.registry, [...new Set(rules.flatMap((r) => r.metrics))]),
    onError: (err, where) => o.logger.warn({ err, where }, 'built-in alerter problem'),
  });
  new Gauge({ name: 'centralita_alerts_firing', help: 'Alerts the built-in alerter has firing now', labelNames: ['alertname', 'severity'], registers: [o.registry], collect() { this.reset(); for (const a of alerter.active()) this.inc({ alertname: a.name, severity: a.labels.severity ?? '' }); } });
  new Gauge({ name: 'centralita_alert_notifications_failed_total', help: 'Alert notifications that could not be delivered (retried next round)', registers: [o.registry], collect() { this.set(alerter.stats().notificationsFailed); } });
  alerter.start();
  o.logger.info({ rules: rules.length, destinations: notifiers.map((n) => n.name), intervalMs: o.config.intervalMs }, 'built-in alerter started');
  return alerter;
}

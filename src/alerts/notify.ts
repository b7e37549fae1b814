// Alert messages for chat webhooks: Slack (incoming webhook: text + blocks), Microsoft
// Teams (Workflows webhook: an Adaptive Card attachment) or a generic JSON body shaped like
// Alertmanager's webhook. The URL is a secret (it authorises posting) and never logged.
import type { Alert, AlertNotifier } from './alerter.ts';

export type WebhookFormat = 'slack' | 'teams' | 'generic';

const icon = (a: Alert) => (a.status === 'resolved' ? '✅ RESOLVED' : a.labels.severity === 'critical' ? '🔴 FIRING' : '🟠 FIRING');
const labelText = (a: Alert) => Object.entries(a.labels).filter(([k]) => k !== 'severity').map(([k, v]) => `${k}=${v}`).join(', ');

export function alertText(a: Alert): string {
  const where = labelText(a);
  return `${icon(a)} ${a.name}${where ? ` (${where})` : ''}: ${a.annotations.summary ?? ''}${a.status === 'firing' && a.annotations.description ? `\n${a.annotations.description}` : ''}\nsince ${a.startsAt}${a.endsAt ? `, resolved ${a.endsAt}` : ''}`;
}

export function slackPayload(alerts: Alert[], source: string): unknown {
  return {
    text: alerts.map(alertText).join('\n\n'),
    blocks: alerts.map((a) => ({ type: 'section', text: { type: 'mrkdwn', text: `*${icon(a)} ${a.name}* ${labelText(a) ? `\`${labelText(a)}\`` : ''}\n${a.annotations.summary ?? ''}${a.status === 'firing' && a.annotations.description ? `\n${a.annotations.description}` : ''}\n_${source} · since ${a.startsAt}${a.endsAt ? ` · resolved ${a.endsAt}` : ''}_` } })),
  };
}

export function teamsPayload(alerts: Alert[], source: string): unknown {
  return {
    type: 'message',
    attachments: [{
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: {
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        type: 'AdaptiveCard',
        version: '1.4',
        body: alerts.flatMap((a) => [
          { type: 'TextBlock', size: 'Medium', weight: 'Bolder', wrap: true, color: a.status === 'resolved' ? 'Good' : 'Attention', text: `${icon(a)} ${a.name}` },
          { type: 'TextBlock', wrap: true, text: a.annotations.summary ?? '' },
          ...(a.status === 'firing' && a.annotations.description ? [{ type: 'TextBlock', wrap: true, isSubtle: true, text: a.annotations.description }] : []),
          { type: 'FactSet', facts: [...Object.entries(a.labels).map(([title, value]) => ({ title, value })), { title: 'since', value: a.startsAt }, ...(a.endsAt ? [{ title: 'resolved', value: a.endsAt }] : []), { title: 'source', value: source }] },
        ]),
      },
    }],
  };
}

export function genericPayload(alerts: Alert[], source: string): unknown {
  return { version: '4', source, status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved', alerts };
}

export class AlertWebhookError extends Error {
  readonly code = 'ALERT_WEBHOOK_FAILED';
}

export function webhookNotifier(o: { url: string; format: WebhookFormat; source: string; timeoutMs?: number; fetch?: typeof fetch }): AlertNotifier {
  const f = o.fetch ?? fetch;
  const body = { slack: slackPayload, teams: teamsPayload, generic: genericPayload }[o.format];
  return {
    name: `webhook (${o.format})`,
    async send(alerts) {
      let res: Response;
      try {
        res = await f(o.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(alerts, o.source)), signal: AbortSignal.timeout(o.timeoutMs ?? 5000) });
      } catch (err) {
        // Only the host: the path of a chat webhook URL is its credential.
        throw new AlertWebhookError(`webhook ${new URL(o.url).host} unreachable: ${(err as Error).message}`);
      }
      if (!res.ok) throw new AlertWebhookError(`webhook ${new URL(o.url).host} answered ${res.status}`);
      await res.body?.cancel().catch(() => {});
    },
  };
}

/** Every alert also goes to the log (the only destination when none is configured). */
export function logNotifier(log: { warn(o: object, m: string): void; info(o: object, m: string): void }): AlertNotifier {
  return {
    name: 'log',
    async send(alerts) {
      for (const a of alerts) (a.status === 'firing' ? log.warn : log.info).call(log, { alert: a.name, status: a.status, labels: a.labels, value: a.value, startsAt: a.startsAt, endsAt: a.endsAt }, `alert ${a.status}: ${a.name} — ${a.annotations.summary ?? ''}`);
    },
  };
}

// Built-in alerts to an SNS topic (the one CloudWatch alarms use on AWS, so e-mail/SMS/chat
// subscribers get both). One message per alert; the subject is SNS's 100-character limit.
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { AlertNotifier } from '../../alerts/alerter.ts';
import { alertText } from '../../alerts/notify.ts';

export function snsNotifier(o: { topicArn: string; region: string; endpoint?: string; accessKeyId?: string; secretAccessKey?: string; client?: SNSClient }): AlertNotifier {
  const client = o.client ?? new SNSClient({
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.accessKeyId && o.secretAccessKey ? { credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey } } : {}),
  });
  return {
    name: 'sns',
    async send(alerts) {
      for (const a of alerts) {
        const subject = `[${a.status === 'resolved' ? 'RESOLVED' : (a.labels.severity ?? 'alert').toUpperCase()}] ${a.name}`.slice(0, 100);
        await client.send(new PublishCommand({
          TopicArn: o.topicArn,
          Subject: subject,
          Message: alertText(a),
          MessageAttributes: { status: { DataType: 'String', StringValue: a.status }, alertname: { DataType: 'String', StringValue: a.name } },
        }));
      }
    },
  };
}

// CloudWatch alarms → one SNS topic (KMS-encrypted with a key CloudWatch may use). App-level
// alarms read the metrics the CloudWatch agent scrapes from centralita's /metrics (namespace
// Centralita, dimension job=centralita; see deploy/cloudwatch/prometheus.yaml).
import { Duration, Stack } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Params } from './params.ts';
import { METRICS_NAMESPACE } from './pbx.ts';

/** App metrics the alarms use: a test checks each is exported by the app. */
export const APP_ALARM_METRICS = ['centralita_ready', 'centralita_ari_connected', 'centralita_call_records_total', 'centralita_calls_failed_total', 'centralita_hubspot_dead_letters'] as const;

export class AlarmTopic extends Construct {
  readonly topic: sns.Topic;
  constructor(scope: Construct, id: string, p: Params) {
    super(scope, id);
    const key = new kms.Key(this, 'Key', { enableKeyRotation: true, description: `${p.name} alarm topic encryption` });
    // CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key.
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CloudWatchAlarms',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    }));
    this.topic = new sns.Topic(this, 'Topic', { displayName: `${p.name} alarms`, masterKey: key, enforceSSL: true });
    if (p.alarmEmail) this.topic.addSubscription(new subs.EmailSubscription(p.alarmEmail));
  }
}

export function addAlarms(scope: Construct, o: { p: Params; topic: sns.ITopic; instance: ec2.Instance; queue: sqs.IQueue; dlq: sqs.IQueue; fn?: lambda.IFunction }): cw.Alarm[] {
  const { p } = o;
  const action = new cwActions.SnsAction(o.topic);
  const alarms: cw.Alarm[] = [];
  const add = (id: string, props: cw.AlarmProps) => {
    const a = new cw.Alarm(scope, id, { actionsEnabled: true, ...props, alarmName: `${p.name}-${id}` });
    a.addAlarmAction(action);
    a.addOkAction(action);
    alarms.push(a);
    return a;
  };
  const ec2Metric = (metricName: string) => new cw.Metric({ namespace: 'AWS/EC2', metricName, dimensionsMap: { InstanceId: o.instance.instanceId }, statistic: 'Maximum', period: Duration.minutes(1) });
  add('pbx-status-check', { alarmDescription: 'PBX instance or system status check failing: calls are likely down', metric: ec2Metric('StatusCheckFailed'), threshold: 1, comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, evaluationPeriods: 2, treatMissingData: cw.TreatMissingData.BREACHING });
  const recover = add('pbx-system-check', { alarmDescription: 'AWS hardware/network of the PBX failed: EC2 recovers the instance (same EIP, same volume)', metric: ec2Metric('StatusCheckFailed_System'), threshold: 1, comparisonOperator: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD, evaluationPeriods: 2 });
  recover.addAlarmAction(new cwActions.Ec2Action(cwActions.Ec2InstanceAction.RECOVER));

  add('campaign-dlq-not-empty', { alarmDescription: 'Campaign S3 events dead-lettered: a file was not ingested (see results/<campaign>/*.error.json)', metric: o.dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }), threshold: 0, comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD, evaluationPeriods: 1, treatMissingData: cw.TreatMissingData.NOT_BREACHING });
  add('campaign-queue-age', { alarmDescription: 'Campaign events wait over 15 min: the ingest is down or stuck', metric: o.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(5), statistic: 'Maximum' }), threshold: 900, comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD, evaluationPeriods: 1, treatMissingData: cw.TreatMissingData.NOT_BREACHING });
  if (o.fn) {
    add('ingest-lambda-errors', { alarmDescription: 'The campaign ingest Lambda failed', metric: o.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }), threshold: 0, comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD, evaluationPeriods: 1, treatMissingData: cw.TreatMissingData.NOT_BREACHING });
    add('ingest-lambda-throttles', { alarmDescription: 'The campaign ingest Lambda is throttled', metric: o.fn.metricThrottles({ period: Duration.minutes(5), statistic: 'Sum' }), threshold: 0, comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD, evaluationPeriods: 1, treatMissingData: cw.TreatMissingData.NOT_BREACHING });
  }

  const app = (metricName: (typeof APP_ALARM_METRICS)[number], statistic: string, period = Duration.minutes(1)) => new cw.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { job: 'centralita' }, statistic, period });
  // No data = the app (or the agent scraping it) is down: that is not ready either.
  add('app-not-ready', { alarmDescription: 'centralita /readyz failing or the app is not running', metric: app('centralita_ready', 'Minimum'), threshold: 1, comparisonOperator: cw.ComparisonOperator.LESS_THAN_THRESHOLD, evaluationPeriods: 3, treatMissingData: cw.TreatMissingData.BREACHING });
  add('ari-disconnected', { alarmDescription: 'centralita lost its ARI connection to Asterisk: calls fall back to the dialplan', metric: app('centralita_ari_connected', 'Minimum'), threshold: 1, comparisonOperator: cw.ComparisonOperator.LESS_THAN_THRESHOLD, evaluationPeriods: 2, treatMissingData: cw.TreatMissingData.BREACHING });
  const window = Duration.minutes(15);
  // The counters are cumulative: DIFF of the 15-min maxima is the increase over the window.
  add('failed-call-ratio', {
    alarmDescription: `Over ${p.failedCallRatio * 100}% of calls failed in 15 min (at least 10 calls)`,
    metric: new cw.MathExpression({ expression: 'IF(DIFF(ended) >= 10, DIFF(failed) / DIFF(ended), 0)', usingMetrics: { ended: app('centralita_call_records_total', 'Maximum', window), failed: app('centralita_calls_failed_total', 'Maximum', window) }, period: window, label: 'failed-call ratio' }),
    threshold: p.failedCallRatio, comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD, evaluationPeriods: 1, treatMissingData: cw.TreatMissingData.NOT_BREACHING,
  });
  add('hubspot-dead-letters', { alarmDescription: 'HubSpot refused call records for good (centralita hubspot replay --dlq after fixing the cause)', metric: app('centralita_hubspot_dead_letters', 'Maximum', Duration.minutes(5)), threshold: 0, comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD, evaluationPeriods: 1, treatMissingData: cw.TreatMissingData.NOT_BREACHING });
  return alarms;
}

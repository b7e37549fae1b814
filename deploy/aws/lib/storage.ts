// Campaign files and call recordings: private, encrypted, versioned buckets with access logs;
// the campaigns bucket notifies the SQS queue (or the Lambda) of every new object under the
// campaigns prefix; failures land on a dead-letter queue.
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Params } from './params.ts';

export const CAMPAIGNS_PREFIX = 'campaigns/';
export const RESULTS_PREFIX = 'results/';

export class Storage extends Construct {
  readonly campaigns: s3.Bucket;
  readonly recordings: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;
  /** The campaigns bucket's name, known before the bucket exists (breaks the notification ↔ policy cycle). */
  readonly campaignsBucketName: string;

  constructor(scope: Construct, id: string, p: Params) {
    super(scope, id);
    const stack = Stack.of(this);
    const secure = { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, encryption: s3.BucketEncryption.S3_MANAGED, enforceSSL: true, removalPolicy: RemovalPolicy.RETAIN } as const;

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...secure,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(p.securityLogRetentionDays) }],
    });

    // Versioned: an overwritten campaign file can be recovered and its ingest replayed.
    this.campaignsBucketName = `${p.name}-campaigns-${stack.account}-${stack.region}`;
    this.campaigns = new s3.Bucket(this, 'Campaigns', {
      ...secure,
      bucketName: this.campaignsBucketName,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'campaigns/',
      lifecycleRules: [
        { id: 'old-versions', noncurrentVersionExpiration: Duration.days(30) },
        { id: 'abort-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
        { id: 'results', prefix: RESULTS_PREFIX, expiration: Duration.days(180) },
      ],
    });

    this.recordings = new s3.Bucket(this, 'Recordings', {
      ...secure,
      versioned: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'recordings/',
      lifecycleRules: [
        { id: 'infrequent', transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }], expiration: Duration.days(p.recordingsRetentionDays), noncurrentVersionExpiration: Duration.days(7) },
        { id: 'abort-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });

    // maxReceiveCount 5 = the app consumer's default (src/integrations/sqs/campaign-events.ts);
    // the visibility timeout matches its 120 s, which its heartbeat extends for large files.
    this.dlq = new sqs.Queue(this, 'CampaignEventsDlq', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    this.queue = new sqs.Queue(this, 'CampaignEvents', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(120),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: 5 },
    });
  }

  /** ObjectCreated under campaigns/ → the queue (native notification, no custom resource). */
  notifyQueue(): void {
    const stack = Stack.of(this);
    this.queue.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'S3CampaignEvents',
      principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [this.queue.queueArn],
      conditions: { ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:s3:::${this.campaignsBucketName}` }, StringEquals: { 'aws:SourceAccount': stack.account } },
    }));
    const cfn = this.campaigns.node.defaultChild as s3.CfnBucket;
    cfn.notificationConfiguration = {
      queueConfigurations: [{ event: 's3:ObjectCreated:*', queue: this.queue.queueArn, filter: { s3Key: { rules: [{ name: 'prefix', value: CAMPAIGNS_PREFIX }] } } }],
    };
    // S3 checks the destination's policy when it saves the notification.
    const policy = this.queue.node.tryFindChild('Policy');
    if (policy) this.campaigns.node.addDependency(policy);
  }

  /** ObjectCreated under campaigns/ → the Lambda (the permission must exist first). */
  notifyLambda(fnArn: string, permission: Construct): void {
    const cfn = this.campaigns.node.defaultChild as s3.CfnBucket;
    cfn.notificationConfiguration = {
      lambdaConfigurations: [{ event: 's3:ObjectCreated:*', function: fnArn, filter: { s3Key: { rules: [{ name: 'prefix', value: CAMPAIGNS_PREFIX }] } } }],
    };
    this.campaigns.node.addDependency(permission);
  }
}

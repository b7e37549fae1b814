// The PBX instance: Debian 12 + FreePBX 17 (official installer) + centralita beside it.
// Why the app lives on the PBX instance: ARI and AMI then stay on loopback (never on any
// network), the media-control path has no network hop, and one instance is the cheapest
// footprint; workers can scale out later with `centralita worker` on a second instance.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import type { Params } from './params.ts';
import type { Storage } from './storage.ts';
import type { Data } from './data.ts';
import { PG_PORT, REDIS_PORT } from './data.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The agent config shipped in the repo; its log group names use this placeholder. */
export const CW_AGENT_CONFIG = fileURLToPath(new URL('../../cloudwatch/amazon-cloudwatch-agent.json', import.meta.url));
export const LOG_PREFIX_PLACEHOLDER = '{{LOG_GROUP_PREFIX}}';

/** Log groups the CloudWatch agent writes (names fixed so the shipped agent config can name them). */
export const LOG_GROUPS = {
  asterisk: 'asterisk',
  security: 'security',
  freepbx: 'freepbx',
  centralita: 'centralita',
  system: 'system',
  metrics: 'metrics',
} as const;

export const METRICS_NAMESPACE = 'Centralita';

export class Pbx extends Construct {
  readonly instance: ec2.Instance;
  readonly sg: ec2.SecurityGroup;
  readonly role: iam.Role;
  readonly eip: ec2.CfnEIP;
  readonly logGroups: Record<keyof typeof LOG_GROUPS, logs.LogGroup>;
  /** s3:// URL of this deployment's source archive (updates re-run the bootstrap from it). */
  readonly sourceUrl: string;

  constructor(scope: Construct, id: string, o: { p: Params; vpc: ec2.IVpc; storage: Storage; data: Data; alarmTopicArn: string }) {
    super(scope, id);
    const { p, vpc, storage, data } = o;
    const stack = Stack.of(this);

    this.sg = new ec2.SecurityGroup(this, 'Sg', { vpc, description: 'PBX: SIP/RTP from the trunk and phone networks, HTTPS from the admin network', allowAllOutbound: true });
    const sipFrom = [...p.trunkCidrs.map((c) => ({ c, who: 'trunk' })), ...p.phoneCidrs.map((c) => ({ c, who: 'phones' }))];
    for (const { c, who } of sipFrom) {
      this.sg.addIngressRule(ec2.Peer.ipv4(c), ec2.Port.udp(5060), `SIP/UDP from ${who} ${c}`);
      this.sg.addIngressRule(ec2.Peer.ipv4(c), ec2.Port.tcp(5060), `SIP/TCP from ${who} ${c}`);
      this.sg.addIngressRule(ec2.Peer.ipv4(c), ec2.Port.tcp(5061), `SIP/TLS from ${who} ${c}`);
      this.sg.addIngressRule(ec2.Peer.ipv4(c), ec2.Port.udpRange(p.rtpPorts[0], p.rtpPorts[1]), `RTP from ${who} ${c}`);
    }
    this.sg.addIngressRule(ec2.Peer.ipv4(p.adminCidr), ec2.Port.tcp(443), 'FreePBX GUI (HTTPS) from the admin network');
    this.sg.addIngressRule(ec2.Peer.ipv4(p.adminCidr), ec2.Port.tcp(8443), 'centralita UI/API (HTTPS proxy) from the admin network');
    if (data.redisSg) data.redisSg.addIngressRule(this.sg, ec2.Port.tcp(REDIS_PORT), 'Redis from the PBX (centralita)');
    if (data.dbSg) data.dbSg.addIngressRule(this.sg, ec2.Port.tcp(PG_PORT), 'PostgreSQL from the PBX (centralita)');

    const prefix = `/${p.name}`;
    const group = (key: keyof typeof LOG_GROUPS, days: number) => new logs.LogGroup(this, `Logs-${key}`, { logGroupName: `${prefix}/${LOG_GROUPS[key]}`, retention: days as logs.RetentionDays, removalPolicy: RemovalPolicy.RETAIN });
    this.logGroups = {
      asterisk: group('asterisk', p.logRetentionDays),
      security: group('security', p.securityLogRetentionDays),
      freepbx: group('freepbx', p.logRetentionDays),
      centralita: group('centralita', p.logRetentionDays),
      system: group('system', p.logRetentionDays),
      metrics: group('metrics', p.logRetentionDays),
    };

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'PBX instance: Session Manager, its own log groups, campaign files, recordings, its secrets',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    Validations.of(this.role).acknowledge({ id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore]', reason: 'Session Manager replaces public SSH; AWS maintains this policy as the exact set the SSM agent needs.' });
    const allow = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>) =>
      this.role.addToPolicy(new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) }));
    allow('ReadCampaignFiles', ['s3:GetObject'], [storage.campaigns.arnForObjects('campaigns/*')]);
    allow('WriteCampaignResults', ['s3:PutObject'], [storage.campaigns.arnForObjects('results/*')]);
    allow('UploadRecordings', ['s3:PutObject'], [storage.recordings.arnForObjects('pbx/*')]);
    allow('ConsumeCampaignEvents', ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'], [storage.queue.queueArn]);
    allow('DeadLetterCampaignEvents', ['sqs:SendMessage'], [storage.dlq.queueArn]);
    allow('ReadOwnSecrets', ['secretsmanager:GetSecretValue'], data.all.map((s) => s.secretArn));
    allow('ShipLogs', ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Object.values(this.logGroups).map((g) => g.logGroupArn));
    allow('PublishAlerts', ['sns:Publish'], [o.alarmTopicArn]);
    // PutMetricData has no resource-level permissions; the condition pins the namespaces.
    allow('PutOwnMetrics', ['cloudwatch:PutMetricData'], ['*'], { StringEquals: { 'cloudwatch:namespace': [METRICS_NAMESPACE, 'CWAgent'] } });
    const policy = this.role.node.tryFindChild('DefaultPolicy')!;
    const wildcard = (finding: string, reason: string) => Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    wildcard(`Resource::<${stack.getLogicalId(storage.campaigns.node.defaultChild as CfnElement)}.Arn>/campaigns/*`, 'Campaign files are any key under campaigns/; reading is limited to that prefix of one bucket.');
    wildcard(`Resource::<${stack.getLogicalId(storage.campaigns.node.defaultChild as CfnElement)}.Arn>/results/*`, 'Ingest reports are written under results/<campaign>/; writing is limited to that prefix of one bucket.');
    wildcard(`Resource::<${stack.getLogicalId(storage.recordings.node.defaultChild as CfnElement)}.Arn>/pbx/*`, 'Recordings are uploaded under pbx/<date>/; writing is limited to that prefix of one bucket.');
    wildcard('Resource::*', 'cloudwatch:PutMetricData supports no resource-level permission; the statement is limited by the cloudwatch:namespace condition.');

    // The repository (without node_modules) as an asset: the instance installs this exact version.
    const source = new assets.Asset(this, 'Source', {
      path: REPO_ROOT,
      exclude: ['.git', '.git/**', 'node_modules', '**/node_modules', '.tools', '.data', '**/cdk.out', 'campaigns', 'coverage', '*.log', 'tmp'],
    });
    source.grantRead(this.role);
    this.sourceUrl = source.s3ObjectUrl;
    Validations.of(policy).acknowledge({ id: 'AwsSolutions-IAM5[Action::s3:GetObject*]', reason: 'CDK asset grant (read-only) on the one source archive of this stack, in the CDK assets bucket.' });
    Validations.of(policy).acknowledge({ id: 'AwsSolutions-IAM5[Action::s3:GetBucket*]', reason: 'CDK asset grant (read-only) on the CDK assets bucket, needed by aws s3 cp.' });
    Validations.of(policy).acknowledge({ id: 'AwsSolutions-IAM5[Action::s3:List*]', reason: 'CDK asset grant (read-only) on the CDK assets bucket, needed by aws s3 cp.' });
    Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]`, reason: 'CDK asset grant (read-only) on the bootstrap assets bucket, where the source archive is.' });

    const agentConfig = readFileSync(CW_AGENT_CONFIG, 'utf8').split(LOG_PREFIX_PLACEHOLDER).join(prefix);
    const env: Record<string, string> = {
      STACK_NAME: stack.stackName,
      AWS_REGION: stack.region,
      NAME: p.name,
      COUNTRY: p.country,
      DOMAIN: p.domain ?? '',
      RTP_START: String(p.rtpPorts[0]),
      RTP_END: String(p.rtpPorts[1]),
      SOURCE_URL: source.s3ObjectUrl,
      FREEPBX_INSTALLER_URL: p.freepbxInstallerUrl,
      FREEPBX_INSTALLER_SHA256: p.freepbxInstallerSha256 ?? '',
      S3_BUCKET: storage.campaigns.bucketName,
      RECORDINGS_BUCKET: storage.recordings.bucketName,
      SQS_QUEUE_URL: p.lambdaIngest ? '' : storage.queue.queueUrl,
      SQS_DLQ_URL: storage.dlq.queueUrl,
      ARI_SECRET_ARN: data.ariPassword.secretArn,
      HUBSPOT_SECRET_ARN: data.hubspotToken.secretArn,
      REDIS_SECRET_ARN: data.redisPassword.secretArn,
      DB_SECRET_ARN: data.dbSecret.secretArn,
      REDIS_MODE: p.redis,
      REDIS_HOST: data.redisEndpoint?.host ?? '127.0.0.1',
      REDIS_PORT: data.redisEndpoint?.port ?? '6379',
      DB_MODE: p.database,
      DB_HOST: data.db?.dbInstanceEndpointAddress ?? '127.0.0.1',
      DB_PORT: data.db?.dbInstanceEndpointPort ?? '5432',
      ALERT_SNS_TOPIC_ARN: o.alarmTopicArn,
      LOG_GROUP_PREFIX: prefix,
    };
    const userData = ec2.UserData.forLinux({ shebang: '#!/bin/bash' });
    userData.addCommands(
      'set -euo pipefail',
      'exec > >(tee -a /var/log/centralita-bootstrap.log) 2>&1',
      'install -d -m 0750 /etc/centralita',
      // Values only (ARNs, names): secrets themselves are fetched by the bootstrap, never written here.
      `cat > /etc/centralita/deploy.env <<'EOF_DEPLOY'\n${Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n')}\nEOF_DEPLOY`,
      `cat > /etc/centralita/amazon-cloudwatch-agent.json <<'EOF_CWA'\n${agentConfig}\nEOF_CWA`,
      'export DEBIAN_FRONTEND=noninteractive',
      // The Elastic IP may still be attaching: retry until the network answers.
      'for i in $(seq 1 30); do apt-get update -q && break; sleep 10; done',
      'apt-get install -y -q awscli unzip curl ca-certificates',
      `aws s3 cp --region ${stack.region} ${source.s3ObjectUrl} /tmp/centralita-source.zip`,
      'rm -rf /opt/centralita && install -d /opt/centralita && unzip -q /tmp/centralita-source.zip -d /opt/centralita',
      'bash /opt/centralita/deploy/aws/assets/bootstrap.sh',
    );

    this.instance = new ec2.Instance(this, 'Instance', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      instanceType: new ec2.InstanceType(p.instanceType),
      // Debian's own AMIs, published as an SSM public parameter (resolved at deploy time).
      machineImage: ec2.MachineImage.fromSsmParameter('/aws/service/debian/release/12/latest/amd64', { os: ec2.OperatingSystemType.LINUX, userData }),
      securityGroup: this.sg,
      role: this.role,
      userData,
      userDataCausesReplacement: false,
      requireImdsv2: true,
      detailedMonitoring: true,
      disableApiTermination: true,
      blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(p.volumeGb, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3, deleteOnTermination: false }) }],
    });
    // A fixed public address: carriers allow-list it and SIP Contact/SDP headers carry it.
    this.eip = new ec2.CfnEIP(this, 'Eip', { domain: 'vpc', tags: [{ key: 'Name', value: `${p.name}-pbx` }] });
    new ec2.CfnEIPAssociation(this, 'EipAssociation', { allocationId: this.eip.attrAllocationId, instanceId: this.instance.instanceId });
  }
}

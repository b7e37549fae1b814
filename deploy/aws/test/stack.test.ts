// The CDK stack, synthesized without an AWS account: every security-group rule, no public
// ARI/AMI/Redis/PostgreSQL, bucket and queue policies, IAM limited to named resources,
// alarms, log retention; cdk-nag AwsSolutions with no unacknowledged finding and no stale
// acknowledgement. deploy/aws has its own node_modules (`npm ci --prefix deploy/aws`).
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

const installed = existsSync(new URL('../node_modules/aws-cdk-lib/package.json', import.meta.url));
if (!installed) {
  if (process.env.CI) throw new Error('deploy/aws/node_modules is missing: .ci/run must run `npm ci --prefix deploy/aws`');
  console.log('SKIPPED deploy/aws stack tests: run `npm ci --prefix deploy/aws` to install aws-cdk-lib');
}

// CloudFormation JSON is untyped; the assertions below read it structurally.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Resource = { Type: string; Properties?: Record<string, any>; DependsOn?: string[] };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown; Condition?: Record<string, Record<string, unknown>>; Sid?: string };
type TemplateJson = { Resources: Record<string, Resource>; Outputs?: Record<string, unknown> };
const ofType = (t: TemplateJson, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const SENSITIVE_PORTS = [8088, 8089, 5038, 6379, 6380, 5432, 5433, 3306, 22, 8080];

describe.skipIf(!installed)('deploy/aws CDK stack', () => {
  let defaults: TemplateJson;
  let managed: TemplateJson;
  let lib: typeof import('../lib/app.ts');
  let example: typeof import('../lib/example.ts');
  let params: typeof import('../lib/params.ts');

  beforeAll(async () => {
    lib = await import('../lib/app.ts');
    example = await import('../lib/example.ts');
    params = await import('../lib/params.ts');
    const { Template } = await import('aws-cdk-lib/assertions');
    // nag: true — synthesis throws on any unacknowledged AwsSolutions finding.
    const a = lib.buildApp({ context: example.EXAMPLE_CONTEXT });
    a.app.synth();
    defaults = Template.fromStack(a.stack).toJSON() as TemplateJson;
    const b = lib.buildApp({ context: example.EXAMPLE_MANAGED_CONTEXT });
    b.app.synth();
    managed = Template.fromStack(b.stack).toJSON() as TemplateJson;
  }, 120_000);

  function ingress(t: TemplateJson) {
    const rules: { sg: string; proto: string; from: number; to: number; cidr?: string; sourceSg?: unknown }[] = [];
    for (const [id, r] of ofType(t, 'AWS::EC2::SecurityGroup')) for (const i of r.Properties?.SecurityGroupIngress ?? []) rules.push({ sg: id, proto: i.IpProtocol, from: i.FromPort, to: i.ToPort, cidr: i.CidrIp ?? i.CidrIpv6, sourceSg: i.SourceSecurityGroupId });
    for (const [, r] of ofType(t, 'AWS::EC2::SecurityGroupIngress')) rules.push({ sg: JSON.stringify(r.Properties!.GroupId), proto: r.Properties!.IpProtocol, from: r.Properties!.FromPort, to: r.Properties!.ToPort, cidr: r.Properties!.CidrIp, sourceSg: r.Properties!.SourceSecurityGroupId });
    return rules;
  }

  it('opens exactly SIP/RTP to the trunk and phone CIDRs and HTTPS to the admin CIDR', () => {
    const rules = ingress(defaults).map((r) => `${r.proto} ${r.from}-${r.to} ${r.cidr}`).sort();
    const expected: string[] = [];
    for (const c of ['198.51.100.0/28', '192.0.2.64/29', '203.0.113.128/26']) expected.push(`udp 5060-5060 ${c}`, `tcp 5060-5060 ${c}`, `tcp 5061-5061 ${c}`, `udp 10000-20000 ${c}`);
    expected.push('tcp 443-443 203.0.113.10/32', 'tcp 8443-8443 203.0.113.10/32');
    expect(rules).toEqual(expected.sort());
  });

  it('never opens anything to the internet, nor ARI/AMI/Redis/PostgreSQL/SSH to any network', () => {
    for (const t of [defaults, managed]) {
      for (const r of ingress(t)) {
        expect(r.cidr, JSON.stringify(r)).not.toBe('0.0.0.0/0');
        expect(r.cidr, JSON.stringify(r)).not.toBe('::/0');
        if (r.cidr) for (const p of SENSITIVE_PORTS) expect(p >= r.from && p <= r.to, `${p} open to ${r.cidr}`).toBe(false);
      }
    }
    // Managed Redis/PostgreSQL: reachable only from security groups (PBX, Lambda), never a CIDR.
    const data = ingress(managed).filter((r) => [6380, 5433].includes(r.from));
    expect(data.length).toBeGreaterThanOrEqual(3);
    for (const r of data) { expect(r.cidr).toBeUndefined(); expect(r.sourceSg).toBeDefined(); }
    // No SSH key: access is Session Manager.
    for (const [, i] of ofType(defaults, 'AWS::EC2::Instance')) expect(i.Properties!.KeyName).toBeUndefined();
  });

  it('the instance: IMDSv2 only, encrypted gp3 root volume, termination protection, Elastic IP', () => {
    const [[, lt]] = ofType(defaults, 'AWS::EC2::LaunchTemplate') as [[string, Resource]];
    expect(lt.Properties!.LaunchTemplateData.MetadataOptions.HttpTokens).toBe('required');
    const [[, inst]] = ofType(defaults, 'AWS::EC2::Instance') as [[string, Resource]];
    expect(inst.Properties!.BlockDeviceMappings[0].Ebs).toMatchObject({ Encrypted: true, VolumeType: 'gp3' });
    expect(inst.Properties!.DisableApiTermination).toBe(true);
    expect(ofType(defaults, 'AWS::EC2::EIP')).toHaveLength(1);
    expect(ofType(defaults, 'AWS::EC2::EIPAssociation')).toHaveLength(1);
    // EC2 refuses user data over 16 KB; tokens are rendered as short placeholders here.
    const parts: unknown[] = inst.Properties!.UserData['Fn::Base64']['Fn::Join'][1];
    const size = parts.map((x) => (typeof x === 'string' ? x : 'x'.repeat(64))).join('').length;
    expect(size).toBeLessThan(16 * 1024);
    expect(parts.join('')).not.toMatch(/BEGIN|password=|secret=/i);
  });

  it('buckets: public access blocked, encrypted, TLS-only, versioned, lifecycle, access logs', () => {
    const buckets = ofType(defaults, 'AWS::S3::Bucket');
    expect(buckets).toHaveLength(3);
    for (const [, b] of buckets) {
      expect(b.Properties!.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(b.Properties!.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm).toBe('AES256');
      expect(b.Properties!.LifecycleConfiguration.Rules.length).toBeGreaterThan(0);
    }
    const data = buckets.filter(([, b]) => b.Properties!.LoggingConfiguration);
    expect(data).toHaveLength(2);
    for (const [, b] of data) expect(b.Properties!.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    for (const [, p] of ofType(defaults, 'AWS::S3::BucketPolicy')) {
      const deny = p.Properties!.PolicyDocument.Statement.find((s: Statement) => s.Effect === 'Deny');
      expect(deny.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
      for (const s of p.Properties!.PolicyDocument.Statement) if (s.Effect === 'Allow') expect(s.Principal).toEqual({ Service: 'logging.s3.amazonaws.com' });
    }
  });

  it('campaign files under campaigns/ notify the queue, which dead-letters after 5 receives', () => {
    const [[, campaigns]] = ofType(defaults, 'AWS::S3::Bucket').filter(([id]) => id.includes('Campaigns')) as [[string, Resource]];
    const qc = campaigns.Properties!.NotificationConfiguration.QueueConfigurations;
    expect(qc).toHaveLength(1);
    expect(qc[0].Event).toBe('s3:ObjectCreated:*');
    expect(qc[0].Filter.S3Key.Rules).toEqual([{ Name: 'prefix', Value: 'campaigns/' }]);
    const queues = ofType(defaults, 'AWS::SQS::Queue');
    const main = queues.find(([, q]) => q.Properties!.RedrivePolicy)![1];
    expect(main.Properties!.RedrivePolicy.maxReceiveCount).toBe(5);
    for (const [, q] of queues) expect(q.Properties!.SqsManagedSseEnabled).toBe(true);
    const allow = ofType(defaults, 'AWS::SQS::QueuePolicy').flatMap(([, p]) => p.Properties!.PolicyDocument.Statement).filter((s: Statement) => s.Effect === 'Allow');
    expect(allow).toHaveLength(1);
    expect(allow[0].Principal).toEqual({ Service: 's3.amazonaws.com' });
    expect(allow[0].Condition.ArnLike['aws:SourceArn']).toBeDefined();
    // With the Lambda, the bucket notifies the function instead, whose failures reach the DLQ.
    const [[, mc]] = ofType(managed, 'AWS::S3::Bucket').filter(([id]) => id.includes('Campaigns')) as [[string, Resource]];
    expect(mc.Properties!.NotificationConfiguration.LambdaConfigurations).toHaveLength(1);
    expect(ofType(managed, 'AWS::Lambda::EventInvokeConfig')[0]![1].Properties!.DestinationConfig.OnFailure.Destination).toBeDefined();
  });

  it('IAM: no wildcard action; resource * only for PutMetricData under a namespace condition', () => {
    for (const t of [defaults, managed]) {
      for (const [id, p] of ofType(t, 'AWS::IAM::Policy')) {
        for (const s of p.Properties!.PolicyDocument.Statement) {
          const actions: string[] = [s.Action].flat();
          for (const a of actions) expect(a.endsWith(':*') || a === '*', `${id}: ${a}`).toBe(false);
          const resources = [s.Resource].flat();
          if (resources.includes('*')) {
            expect(actions, id).toEqual(['cloudwatch:PutMetricData']);
            expect(s.Condition.StringEquals['cloudwatch:namespace']).toContain('Centralita');
          }
        }
      }
    }
    // The PBX reads campaign files and writes only under results/ and pbx/ (recordings).
    const pbx = ofType(defaults, 'AWS::IAM::Policy').find(([id]) => id.startsWith('PbxRole'))![1];
    const bySid = Object.fromEntries(pbx.Properties!.PolicyDocument.Statement.filter((s: Statement) => s.Sid).map((s: Statement) => [s.Sid, s]));
    expect(bySid.ReadCampaignFiles.Action).toBe('s3:GetObject');
    expect(JSON.stringify(bySid.ReadCampaignFiles.Resource)).toContain('/campaigns/*');
    expect(JSON.stringify(bySid.WriteCampaignResults.Resource)).toContain('/results/*');
    expect(bySid.ReadOwnSecrets.Resource).toHaveLength(4);
  });

  it('alarms: status checks, DLQ, queue age, readiness, ARI, failed-call ratio, HubSpot dead letters (+ Lambda when used), all to SNS', () => {
    const names = (t: TemplateJson) => ofType(t, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties!.AlarmName as string).sort();
    expect(names(defaults)).toEqual(['app-not-ready', 'ari-disconnected', 'campaign-dlq-not-empty', 'campaign-queue-age', 'failed-call-ratio', 'hubspot-dead-letters', 'pbx-status-check', 'pbx-system-check'].map((n) => `centralita-${n}`));
    expect(names(managed)).toEqual(expect.arrayContaining(['centralita-ingest-lambda-errors', 'centralita-ingest-lambda-throttles']));
    for (const [, a] of ofType(managed, 'AWS::CloudWatch::Alarm')) expect(JSON.stringify(a.Properties!.AlarmActions)).toContain('AlarmsTopic');
    const [[, topic]] = ofType(defaults, 'AWS::SNS::Topic') as [[string, Resource]];
    expect(topic.Properties!.KmsMasterKeyId).toBeDefined();
    expect(ofType(defaults, 'AWS::SNS::Subscription')[0]![1].Properties).toMatchObject({ Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('every log group has a retention, and the CloudWatch agent writes only to groups the stack owns', () => {
    const groups = new Map<string, number>();
    for (const [, g] of [...ofType(defaults, 'AWS::Logs::LogGroup'), ...ofType(managed, 'AWS::Logs::LogGroup')]) {
      expect(g.Properties!.RetentionInDays, JSON.stringify(g.Properties)).toBeGreaterThan(0);
      groups.set(g.Properties!.LogGroupName, g.Properties!.RetentionInDays);
    }
    const agent = JSON.parse(readFileSync(new URL('../../cloudwatch/amazon-cloudwatch-agent.json', import.meta.url), 'utf8'));
    const used = new Set<string>([agent.logs.metrics_collected.prometheus.log_group_name]);
    for (const f of agent.logs.logs_collected.files.collect_list) used.add(f.log_group_name);
    expect(used.size).toBeGreaterThanOrEqual(5);
    for (const g of used) expect([...groups.keys()], g).toContain(g.replace('{{LOG_GROUP_PREFIX}}', '/centralita'));
    expect(groups.get('/centralita/security')).toBe(365);
  });

  it('cdk-nag: every finding is acknowledged with a reason, and no acknowledgement is stale', async () => {
    const { Validations } = await import('aws-cdk-lib');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    for (const context of [example.EXAMPLE_CONTEXT, example.EXAMPLE_MANAGED_CONTEXT]) {
      const acks: { id: string; reason: string }[] = [];
      const original = Validations.prototype.acknowledge;
      Validations.prototype.acknowledge = function (a: { id: string; reason: string }) { acks.push(a); } as typeof original;
      const outdir = mkdtempSync(join(tmpdir(), 'centralita-nag-'));
      let findings: string[] = [];
      try {
        lib.buildApp({ context, outdir }).app.synth();
      } catch {
        const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: { violations: { ruleName: string; violatingConstructs: unknown[] }[] }[] };
        findings = report.pluginReports.flatMap((r) => r.violations.flatMap((v) => v.violatingConstructs.map(() => v.ruleName)));
      } finally {
        Validations.prototype.acknowledge = original;
      }
      const ours = acks.filter((a) => a.id.startsWith('AwsSolutions-'));
      for (const a of ours) expect(a.reason.length, a.id).toBeGreaterThan(40);
      expect(ours.map((a) => a.id).sort()).toEqual(findings.sort());
    }
  }, 60_000);

  it('parameters: missing or unsafe values are refused with every problem listed', () => {
    expect(() => params.readParams(() => undefined)).toThrow(/adminCidr: required[\s\S]*trunkCidrs: required/);
    const get = (o: Record<string, string>) => (k: string) => o[k];
    expect(() => params.readParams(get({ ...example.EXAMPLE_CONTEXT, adminCidr: '0.0.0.0/0' }))).toThrow(/whole internet/);
    expect(() => params.readParams(get({ ...example.EXAMPLE_CONTEXT, trunkCidrs: '300.1.1.1/32' }))).toThrow(/not an IPv4 CIDR/);
    expect(() => params.readParams(get({ ...example.EXAMPLE_CONTEXT, lambdaIngest: 'true' }))).toThrow(/redis=managed/);
    expect(() => params.readParams(get({ ...example.EXAMPLE_CONTEXT, logRetentionDays: '10' }))).toThrow(/retention/);
    expect(params.readParams(get(example.EXAMPLE_CONTEXT))).toMatchObject({ instanceType: 't3.medium', redis: 'instance', database: 'instance', country: 'CO' });
  });
});

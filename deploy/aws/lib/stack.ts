// The whole deployment as one stack: network, storage, secrets/data, the PBX instance with
// centralita, the optional ingest Lambda, alarms. Parameters: lib/params.ts.
import { join } from 'node:path';
import { CfnOutput, DockerImage, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import { buildSync } from 'esbuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { Params } from './params.ts';
import { Storage } from './storage.ts';
import { Data } from './data.ts';
import { Pbx, REPO_ROOT } from './pbx.ts';
import { AlarmTopic, addAlarms } from './alarms.ts';

export class CentralitaStack extends Stack {
  readonly params: Params;
  readonly vpc: ec2.Vpc;
  readonly storage: Storage;
  readonly pbx: Pbx;
  readonly ingestFn?: lambda.Function;

  constructor(scope: Construct, id: string, p: Params, props: StackProps = {}) {
    super(scope, id, { description: 'centralita: FreePBX 17 + centralita on EC2, campaigns bucket and queue, alarms (deploy/aws)', ...props });
    this.params = p;

    const flowLogs = new logs.LogGroup(this, 'VpcFlowLogs', { logGroupName: `/${p.name}/vpc-flow`, retention: p.securityLogRetentionDays as logs.RetentionDays, removalPolicy: RemovalPolicy.RETAIN });
    // No NAT gateway (cost): the PBX is in a public subnet behind its security group; managed
    // Redis/PostgreSQL and the Lambda sit in isolated subnets.
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
      maxAzs: 2,
      natGateways: 0,
      restrictDefaultSecurityGroup: false,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      flowLogs: { all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: ec2.FlowLogTrafficType.ALL } },
    });

    this.storage = new Storage(this, 'Storage', p);
    const data = new Data(this, 'Data', p, this.vpc);
    const alarmTopic = new AlarmTopic(this, 'Alarms', p);
    this.pbx = new Pbx(this, 'Pbx', { p, vpc: this.vpc, storage: this.storage, data, alarmTopicArn: alarmTopic.topic.topicArn });

    if (p.lambdaIngest) {
      this.ingestFn = this.ingestLambda(p, data);
      this.ingestFn.addPermission('S3Invoke', {
        principal: new iam.ServicePrincipal('s3.amazonaws.com'),
        sourceArn: `arn:${this.partition}:s3:::${this.storage.campaignsBucketName}`,
        sourceAccount: this.account,
      });
      this.storage.notifyLambda(this.ingestFn.functionArn, this.ingestFn.permissionsNode.findChild('S3Invoke'));
    } else {
      this.storage.notifyQueue();
    }

    addAlarms(this, { p, topic: alarmTopic.topic, instance: this.pbx.instance, queue: this.storage.queue, dlq: this.storage.dlq, ...(this.ingestFn ? { fn: this.ingestFn } : {}) });

    new CfnOutput(this, 'PbxPublicIp', { value: this.pbx.eip.attrPublicIp, description: 'Give this address to the SIP carrier; FreePBX GUI at https://<ip>/admin' });
    new CfnOutput(this, 'PbxInstanceId', { value: this.pbx.instance.instanceId, description: 'aws ssm start-session --target <id>' });
    new CfnOutput(this, 'CampaignsBucket', { value: this.storage.campaigns.bucketName, description: 'Upload campaign CSV files under campaigns/<campaignId>/' });
    new CfnOutput(this, 'RecordingsBucket', { value: this.storage.recordings.bucketName });
    new CfnOutput(this, 'CampaignQueueUrl', { value: this.storage.queue.queueUrl });
    new CfnOutput(this, 'SourceArchive', { value: this.pbx.sourceUrl, description: 'This version of centralita; docs/deploy-aws.md "Updating" installs it on the instance' });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarmTopic.topic.topicArn });
    new CfnOutput(this, 'HubspotTokenSecret', { value: data.hubspotToken.secretName, description: 'aws secretsmanager put-secret-value --secret-id <name> --secret-string \'{"token":"pat-..."}\'' });
  }

  private ingestLambda(p: Params, data: Data): lambda.Function {
    const sg = new ec2.SecurityGroup(this, 'IngestFnSg', { vpc: this.vpc, description: 'campaign ingest Lambda: out to Redis and S3 only', allowAllOutbound: true });
    if (data.redisSg) data.redisSg.addIngressRule(sg, ec2.Port.tcp(6380), 'Redis from the ingest Lambda');
    // Isolated subnets reach S3 through the (free) gateway endpoint.
    this.vpc.addGatewayEndpoint('S3Endpoint', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
    const logGroup = new logs.LogGroup(this, 'IngestFnLogs', { logGroupName: `/${p.name}/ingest-lambda`, retention: p.logRetentionDays as logs.RetentionDays, removalPolicy: RemovalPolicy.RETAIN });
    // Bundled here with esbuild's API (no Docker): src/lambda and what it imports, one ESM file;
    // the AWS SDK v3 is in the Node.js 24 runtime already.
    const entry = join(REPO_ROOT, 'src/lambda/campaign-ingest.ts');
    const fn = new lambda.Function(this, 'IngestFn', {
      code: lambda.Code.fromAsset(join(REPO_ROOT, 'src'), {
        bundling: {
          image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24-bookworm-slim'),
          local: {
            tryBundle(outputDir: string) {
              buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node24', minify: true, outfile: join(outputDir, 'index.mjs'), external: ['@aws-sdk/*'], banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" }, logLevel: 'error' });
              return true;
            },
          },
        },
      }),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.minutes(5),
      reservedConcurrentExecutions: 2,
      retryAttempts: 2,
      onFailure: new destinations.SqsDestination(this.storage.dlq),
      vpc: this.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [sg],
      logGroup,
      environment: {
        S3_BUCKET: this.storage.campaignsBucketName,
        CAMPAIGNS_PREFIX: 'campaigns/',
        DEFAULT_COUNTRY: p.country,
        LOG_LEVEL: 'info',
        // CloudFormation resolves the secret into the function's configuration (not the template).
        REDIS_URL: `rediss://:${data.redisPassword.secretValue.unsafeUnwrap()}@${data.redisEndpoint!.host}:${data.redisEndpoint!.port}/0`,
      },
    });
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadCampaignFiles', actions: ['s3:GetObject'], resources: [`arn:${this.partition}:s3:::${this.storage.campaignsBucketName}/campaigns/*`] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'WriteCampaignResults', actions: ['s3:PutObject'], resources: [`arn:${this.partition}:s3:::${this.storage.campaignsBucketName}/results/*`] }));
    const role = fn.role!;
    const policy = role.node.tryFindChild('DefaultPolicy')!;
    for (const prefix of ['campaigns', 'results']) Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${this.storage.campaignsBucketName.replace(this.account, '<AWS::AccountId>').replace(this.region, '<AWS::Region>')}/${prefix}/*]`, reason: `The function ${prefix === 'campaigns' ? 'reads campaign files' : 'writes ingest reports'}: any key under ${prefix}/ of the one campaigns bucket.` });
    Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason: 'AWS-maintained: writing its own log streams only.' });
    Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]', reason: 'AWS-maintained: the ENI actions a function in a VPC needs (they take no resource ARNs).' });
    return fn;
  }
}

// Secrets and the app's Redis and PostgreSQL. Default: both on the PBX instance (loopback
// only, nothing to open). `redis=managed` / `database=managed`: ElastiCache / RDS in isolated
// subnets, reachable only from the PBX's (and the Lambda's) security group.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secrets from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { Params } from './params.ts';

export const REDIS_PORT = 6380; // not the default port (AwsSolutions-AEC5)
export const PG_PORT = 5433; // not the default port (AwsSolutions-RDS11)

export class Data extends Construct {
  readonly ariPassword: secrets.Secret;
  readonly hubspotToken: secrets.Secret;
  readonly redisPassword: secrets.Secret;
  readonly dbSecret: secrets.ISecret;
  readonly redisSg?: ec2.SecurityGroup;
  readonly dbSg?: ec2.SecurityGroup;
  /** Managed Redis endpoint (host:port) when redis=managed. */
  readonly redisEndpoint?: { host: string; port: string };
  readonly db?: rds.DatabaseInstance;
  readonly all: secrets.ISecret[];

  constructor(scope: Construct, id: string, p: Params, vpc: ec2.IVpc) {
    super(scope, id);
    const noRotation = (s: Construct, why: string) => Validations.of(s).acknowledge({ id: 'AwsSolutions-SMG4', reason: why });
    this.ariPassword = new secrets.Secret(this, 'AriPassword', {
      secretName: `${p.name}/ari-password`,
      description: 'ARI password of the centralita user (ari_additional_custom.conf and ARI_PASSWORD_FILE)',
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
    });
    noRotation(this.ariPassword, 'Rotating it means rewriting ari_additional_custom.conf and restarting the app together; docs/deploy-aws.md gives the two-command procedure. It never leaves the instance (ARI is bound to loopback).');
    this.hubspotToken = new secrets.Secret(this, 'HubspotToken', {
      secretName: `${p.name}/hubspot-token`,
      description: 'HubSpot private-app token: put it in the "token" field; empty = the app logs calls to its local outbox',
      generateSecretString: { secretStringTemplate: JSON.stringify({ token: '' }), generateStringKey: 'unused', passwordLength: 8, excludePunctuation: true },
    });
    noRotation(this.hubspotToken, 'HubSpot private-app tokens are rotated in HubSpot (Settings → Private apps → Rotate); the new value is pasted here. No Lambda can rotate it.');
    this.redisPassword = new secrets.Secret(this, 'RedisPassword', {
      secretName: `${p.name}/redis-password`,
      description: 'Redis AUTH password (redis-server requirepass or the ElastiCache auth token)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    noRotation(this.redisPassword, 'Changing it needs Redis and every centralita process restarted together (planned maintenance); Redis is reachable only from the PBX security group.');

    if (p.redis === 'managed') {
      this.redisSg = new ec2.SecurityGroup(this, 'RedisSg', { vpc, description: 'ElastiCache Redis: only from centralita', allowAllOutbound: false });
      const subnets = new elasticache.CfnSubnetGroup(this, 'RedisSubnets', { description: 'centralita redis', subnetIds: vpc.isolatedSubnets.map((s) => s.subnetId) });
      const rg = new elasticache.CfnReplicationGroup(this, 'Redis', {
        replicationGroupDescription: `${p.name} BullMQ, ledgers and agent state`,
        engine: 'redis',
        engineVersion: '7.1',
        cacheNodeType: p.redisNodeType,
        numCacheClusters: 1,
        port: REDIS_PORT,
        cacheSubnetGroupName: subnets.ref,
        securityGroupIds: [this.redisSg.securityGroupId],
        atRestEncryptionEnabled: true,
        transitEncryptionEnabled: true,
        authToken: this.redisPassword.secretValue.unsafeUnwrap(),
        // BullMQ must never lose keys to memory pressure.
        cacheParameterGroupName: new elasticache.CfnParameterGroup(this, 'RedisParams', { cacheParameterGroupFamily: 'redis7', description: 'noeviction for BullMQ', properties: { 'maxmemory-policy': 'noeviction' } }).ref,
        snapshotRetentionLimit: 7,
        automaticFailoverEnabled: false,
      });
      Validations.of(rg).acknowledge({ id: 'AwsSolutions-AEC4', reason: 'One node by default to keep the monthly cost low (docs/deploy-aws.md); queued jobs survive in daily snapshots. Raise numCacheClusters for Multi-AZ.' });
      this.redisEndpoint = { host: rg.attrPrimaryEndPointAddress, port: rg.attrPrimaryEndPointPort };
    }

    if (p.database === 'managed') {
      this.dbSg = new ec2.SecurityGroup(this, 'DbSg', { vpc, description: 'RDS PostgreSQL: only from centralita', allowAllOutbound: false });
      this.db = new rds.DatabaseInstance(this, 'Postgres', {
        engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
        instanceType: new ec2.InstanceType(p.dbInstanceType),
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        securityGroups: [this.dbSg],
        port: PG_PORT,
        credentials: rds.Credentials.fromGeneratedSecret('centralita', { secretName: `${p.name}/database` }),
        databaseName: 'centralita',
        storageEncrypted: true,
        allocatedStorage: 20,
        maxAllocatedStorage: 100,
        backupRetention: Duration.days(7),
        deletionProtection: true,
        removalPolicy: RemovalPolicy.SNAPSHOT,
        multiAz: false,
        iamAuthentication: false,
        instanceIdentifier: `${p.name}-postgres`,
        cloudwatchLogsExports: ['postgresql'],
        autoMinorVersionUpgrade: true,
      });
      Validations.of(this.db).acknowledge({ id: 'AwsSolutions-RDS3', reason: 'Single-AZ by default to keep the monthly cost low (docs/deploy-aws.md); 7 days of automated backups. Set multiAz for production SLAs.' });
      // Created here with its retention (RDS would create it without one; CDK's
      // cloudwatchLogsRetention would add a custom-resource Lambda instead).
      const pgLogs = new logs.LogGroup(this, 'PostgresLogs', { logGroupName: `/aws/rds/instance/${p.name}-postgres/postgresql`, retention: p.logRetentionDays as logs.RetentionDays, removalPolicy: RemovalPolicy.RETAIN });
      this.db.node.addDependency(pgLogs);
      this.dbSecret = this.db.secret!;
      noRotation(this.db.node.findChild('Secret'), 'The app reads DATABASE_URL once at start; rotation without a coordinated restart would cut it off. Rotate during maintenance (docs/deploy-aws.md).');
    } else {
      this.dbSecret = new secrets.Secret(this, 'DbPassword', {
        secretName: `${p.name}/database`,
        description: 'Password of the centralita role in the PostgreSQL on the PBX instance',
        generateSecretString: { passwordLength: 40, excludePunctuation: true },
      });
      noRotation(this.dbSecret, 'PostgreSQL runs on the instance bound to loopback; the password is set by the bootstrap and changed with the app restart (docs/deploy-aws.md).');
    }
    this.all = [this.ariPassword, this.hubspotToken, this.redisPassword, this.dbSecret];
  }
}

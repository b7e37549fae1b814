// Builds the CDK app with cdk-nag's AwsSolutions checks. Used by bin/centralita.ts (cdk
// deploy), bin/synth.ts (CI) and the tests.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readParams, type Params } from './params.ts';
import { CentralitaStack } from './stack.ts';

export const FEATURE_FLAGS = { '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true, '@aws-cdk/aws-ec2:uniqueImdsv2TemplateName': true };

export function buildApp(o: { context?: Record<string, unknown>; outdir?: string; nag?: boolean } = {}): { app: App; stack: CentralitaStack; params: Params } {
  // Feature flags: log buckets get a bucket policy for the logging service (not the legacy
  // ACL); the IMDSv2 launch template gets a unique name (two stacks in one account).
  const context = { ...FEATURE_FLAGS, ...(o.context ?? {}) };
  const app = new App({ ...(o.outdir ? { outdir: o.outdir } : {}), context });
  const params = readParams((k) => app.node.tryGetContext(k), { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION });
  const stack = new CentralitaStack(app, `${params.name[0]!.toUpperCase()}${params.name.slice(1)}`, params, {
    ...(params.account || params.region ? { env: { account: params.account, region: params.region } } : {}),
  });
  if (o.nag !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack, params };
}

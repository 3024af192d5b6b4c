import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig, type DeploymentConfig } from './config.js';
import { PipelineStack } from './pipeline-stack.js';
import { StatefulStack } from './stateful-stack.js';

const ACCESS_LOGS_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

export interface TrueUpStacks {
  readonly config: DeploymentConfig;
  readonly stateful: StatefulStack;
  readonly pipeline: PipelineStack;
}

/** Builds both stacks from the `trueup` context (validated; invalid config throws with every problem). */
export function buildTrueUp(
  app: App,
  config: DeploymentConfig = parseConfig(app.node.tryGetContext('trueup')),
): TrueUpStacks {
  // S3 server access logs are delivered under a bucket policy, not the legacy log-delivery ACL
  // (which cannot coexist with BucketOwnerEnforced object ownership).
  if (app.node.tryGetContext(ACCESS_LOGS_BUCKET_POLICY) === undefined)
    app.node.setContext(ACCESS_LOGS_BUCKET_POLICY, true);
  const env = config.account || config.region ? { account: config.account, region: config.region } : undefined;
  const stateful = new StatefulStack(app, `${config.stackPrefix}-Stateful`, {
    config,
    env,
    terminationProtection: config.terminationProtection,
    description: `TrueUp (${config.mspName}): buckets, ledger table, queues, alarm topic — retained`,
  });
  const pipeline = new PipelineStack(app, `${config.stackPrefix}-Pipeline`, {
    config,
    env,
    description: `TrueUp (${config.mspName}): functions, schedules, SES, alarms, dashboard — stateless`,
    stateful: stateful.exportNames,
  });
  pipeline.addStackDependency(stateful, 'imports its named exports');
  return { config, stateful, pipeline };
}

/** cdk-nag's AWS Solutions rules run at synth; an unacknowledged finding stops synth. */
export function applyNag(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

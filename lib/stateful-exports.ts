/**
 * The stateful stack publishes what the pipeline needs as named CloudFormation exports, and
 * the pipeline imports them by name (Fn::ImportValue). Named exports keep the two stacks
 * loosely coupled (no generated export names to get stuck on), and make every reference —
 * including the resource strings cdk-nag reports — predictable from the stack prefix.
 */
export interface StatefulExports {
  readonly usageBucketName: string;
  readonly usageBucketArn: string;
  readonly artifactsBucketName: string;
  readonly artifactsBucketArn: string;
  readonly tableName: string;
  readonly tableArn: string;
  readonly workQueueArn: string;
  readonly workQueueUrl: string;
  readonly workDeadLetterQueueArn: string;
  readonly discrepancyQueueArn: string;
  readonly discrepancyQueueUrl: string;
  readonly discrepancyDeadLetterQueueArn: string;
  readonly alarmTopicArn: string;
  readonly topicKeyArn: string;
}

/** Export names for a stack prefix, e.g. `TrueUp-UsageBucketArn`. */
export function statefulExports(prefix: string): StatefulExports {
  const name = (suffix: string): string => `${prefix}-${suffix}`;
  return {
    usageBucketName: name('UsageBucketName'),
    usageBucketArn: name('UsageBucketArn'),
    artifactsBucketName: name('ArtifactsBucketName'),
    artifactsBucketArn: name('ArtifactsBucketArn'),
    tableName: name('TableName'),
    tableArn: name('TableArn'),
    workQueueArn: name('WorkQueueArn'),
    workQueueUrl: name('WorkQueueUrl'),
    workDeadLetterQueueArn: name('WorkDeadLetterQueueArn'),
    discrepancyQueueArn: name('DiscrepancyQueueArn'),
    discrepancyQueueUrl: name('DiscrepancyQueueUrl'),
    discrepancyDeadLetterQueueArn: name('DiscrepancyDeadLetterQueueArn'),
    alarmTopicArn: name('AlarmTopicArn'),
    topicKeyArn: name('TopicKeyArn'),
  };
}

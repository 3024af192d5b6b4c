import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { DeploymentConfig } from './config.js';
import { QueueWithDlq } from './constructs/queue-with-dlq.js';
import { statefulExports, type StatefulExports } from './stateful-exports.js';

export interface StatefulStackProps extends StackProps {
  readonly config: DeploymentConfig;
}

/**
 * Everything that holds data or must survive a redeploy: the usage and artifacts buckets, the
 * ledger table, the two work queues, and the alarm topic (so its email subscription is
 * confirmed once). Data resources are retained when the stack is deleted.
 */
export class StatefulStack extends Stack {
  public readonly usageBucket: s3.Bucket;
  public readonly artifactsBucket: s3.Bucket;
  public readonly accessLogsBucket: s3.Bucket;
  public readonly table: dynamodb.Table;
  public readonly workQueue: QueueWithDlq;
  public readonly discrepancyQueue: QueueWithDlq;
  /** Encrypts the SNS topics; CloudWatch and SES may use it to publish. */
  public readonly topicKey: kms.Key;
  public readonly alarmTopic: sns.Topic;
  /** Names of the exports the pipeline stack imports. */
  public readonly exportNames: StatefulExports;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);

    // ---- alarms -------------------------------------------------------------------------
    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: 'TrueUp: encrypts the alarm and SES-event SNS topics',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch alarms and SES event destinations publish to encrypted topics only with a
    // customer-managed key that lets them encrypt.
    for (const service of ['cloudwatch.amazonaws.com', 'ses.amazonaws.com']) {
      this.topicKey.grant(new iam.ServicePrincipal(service), 'kms:Decrypt', 'kms:GenerateDataKey*');
    }
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `TrueUp alarms (${props.config.mspName})`,
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.config.alarmEmail));

    // ---- buckets ------------------------------------------------------------------------
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED, // server access logging cannot write to SSE-KMS buckets
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: false,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server access log destination; logging it into itself would loop.',
    });

    this.usageBucket = new s3.Bucket(this, 'UsageBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'usage/',
      lifecycleRules: [
        { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(90) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.artifactsBucket = new s3.Bucket(this, 'ArtifactsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'artifacts/',
      lifecycleRules: [{ id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ---- ledger table (access patterns: docs/data-model.md, docs/deploy.md) -------------
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'PK', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'SK', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: 'expiresAt',
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // GSI1: open invoices by due date (GSI1PK = OPEN, GSI1SK = <due date>#<number>), sparse.
    this.table.addGlobalSecondaryIndex({
      indexName: 'GSI1',
      partitionKey: { name: 'GSI1PK', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'GSI1SK', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    // GSI2: discrepancies by status (GSI2PK = DISC#<status>, GSI2SK = <period>#<id>), sparse.
    this.table.addGlobalSecondaryIndex({
      indexName: 'GSI2',
      partitionKey: { name: 'GSI2PK', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'GSI2SK', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });

    // ---- queues -------------------------------------------------------------------------
    this.workQueue = new QueueWithDlq(this, 'WorkQueue', {
      purpose: 'invoice work queue (render, store and email one invoice per message)',
      alarmTopic: this.alarmTopic,
    });
    this.discrepancyQueue = new QueueWithDlq(this, 'DiscrepancyQueue', {
      purpose: 'discrepancy queue (store each discrepancy once)',
      alarmTopic: this.alarmTopic,
    });

    // ---- outputs and named exports (lib/stateful-exports.ts) ------------------------------
    const names = statefulExports(props.config.stackPrefix);
    this.exportNames = names;
    output(
      this,
      'UsageBucketName',
      this.usageBucket.bucketName,
      'Usage files: inbox/, archive/, rejected/, payments/',
      names.usageBucketName,
    );
    output(this, 'UsageBucketArn', this.usageBucket.bucketArn, 'Usage bucket ARN', names.usageBucketArn);
    output(this, 'UsageInbox', `s3://${this.usageBucket.bucketName}/inbox/`, 'Drop vendor usage files here');
    output(this, 'PaymentsInbox', `s3://${this.usageBucket.bucketName}/payments/`, 'Drop payments CSV files here');
    output(
      this,
      'ArtifactsBucketName',
      this.artifactsBucket.bucketName,
      'normalized/, reconciliation/, invoices/, reports/, emails/',
      names.artifactsBucketName,
    );
    output(
      this,
      'ArtifactsBucketArn',
      this.artifactsBucket.bucketArn,
      'Artifacts bucket ARN',
      names.artifactsBucketArn,
    );
    output(this, 'AccessLogsBucketName', this.accessLogsBucket.bucketName, 'S3 server access logs');
    output(this, 'TableName', this.table.tableName, 'The ledger and reference data', names.tableName);
    output(this, 'TableArn', this.table.tableArn, 'Ledger table ARN', names.tableArn);
    output(this, 'WorkQueueUrl', this.workQueue.queue.queueUrl, 'Invoice work queue', names.workQueueUrl);
    output(this, 'WorkQueueArn', this.workQueue.queue.queueArn, 'Invoice work queue ARN', names.workQueueArn);
    output(
      this,
      'WorkDeadLetterQueueUrl',
      this.workQueue.deadLetterQueue.queueUrl,
      'Invoice messages that failed 5 times',
    );
    output(
      this,
      'WorkDeadLetterQueueArn',
      this.workQueue.deadLetterQueue.queueArn,
      'Invoice DLQ ARN',
      names.workDeadLetterQueueArn,
    );
    output(
      this,
      'DiscrepancyQueueUrl',
      this.discrepancyQueue.queue.queueUrl,
      'Discrepancy queue',
      names.discrepancyQueueUrl,
    );
    output(
      this,
      'DiscrepancyQueueArn',
      this.discrepancyQueue.queue.queueArn,
      'Discrepancy queue ARN',
      names.discrepancyQueueArn,
    );
    output(
      this,
      'DiscrepancyDeadLetterQueueUrl',
      this.discrepancyQueue.deadLetterQueue.queueUrl,
      'Discrepancy messages that failed 5 times',
    );
    output(
      this,
      'DiscrepancyDeadLetterQueueArn',
      this.discrepancyQueue.deadLetterQueue.queueArn,
      'Discrepancy DLQ ARN',
      names.discrepancyDeadLetterQueueArn,
    );
    output(this, 'AlarmTopicArn', this.alarmTopic.topicArn, 'Alarm notifications', names.alarmTopicArn);
    output(this, 'TopicKeyArn', this.topicKey.keyArn, 'KMS key of the SNS topics', names.topicKeyArn);
  }
}

function output(scope: Construct, id: string, value: string, description: string, exportName?: string): void {
  new CfnOutput(scope, id, { value, description, exportName });
}

import { Capture, Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFixture, logicalId, type Fixture } from './app-fixture.js';

let fx: Fixture;
beforeAll(() => {
  fx = buildFixture();
});

describe('StatefulStack buckets', () => {
  it.each(['UsageBucket', 'ArtifactsBucket', 'AccessLogsBucket'])('%s is encrypted, private and retained', (name) => {
    const id = logicalId(fx.statefulTemplate, 'AWS::S3::Bucket', name);

    fx.statefulTemplate.hasResource(
      'AWS::S3::Bucket',
      Match.objectLike({
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      }),
    );
    const bucket = fx.statefulTemplate.toJSON().Resources[id];
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it.each(['UsageBucket', 'ArtifactsBucket', 'AccessLogsBucket'])('%s denies requests without TLS', (name) => {
    const id = logicalId(fx.statefulTemplate, 'AWS::S3::Bucket', name);

    fx.statefulTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('versions the usage and artifacts buckets and logs their access', () => {
    const logs = logicalId(fx.statefulTemplate, 'AWS::S3::Bucket', 'AccessLogsBucket');
    for (const [name, prefix] of [
      ['UsageBucket', 'usage/'],
      ['ArtifactsBucket', 'artifacts/'],
    ] as const) {
      const bucket = fx.statefulTemplate.toJSON().Resources[logicalId(fx.statefulTemplate, 'AWS::S3::Bucket', name)];
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: logs },
        LogFilePrefix: prefix,
      });
    }
  });

  it('expires noncurrent usage versions after 90 days', () => {
    fx.statefulTemplate.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: 'expire-noncurrent-versions',
            NoncurrentVersionExpiration: { NoncurrentDays: 90 },
            Status: 'Enabled',
          }),
        ]),
      },
    });
  });
});

describe('StatefulStack table', () => {
  it('is on-demand, encrypted, point-in-time recoverable, with TTL and both GSIs', () => {
    const gsis = new Capture();

    fx.statefulTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      DeletionProtectionEnabled: true,
      GlobalSecondaryIndexes: gsis,
    });
    expect(gsis.asArray()).toEqual([
      {
        IndexName: 'GSI1',
        KeySchema: [
          { AttributeName: 'GSI1PK', KeyType: 'HASH' },
          { AttributeName: 'GSI1SK', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'GSI2',
        KeySchema: [
          { AttributeName: 'GSI2PK', KeyType: 'HASH' },
          { AttributeName: 'GSI2SK', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    fx.statefulTemplate.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
  });
});

describe('StatefulStack queues', () => {
  it.each(['WorkQueue', 'DiscrepancyQueue'])('%s dead-letters after 5 receives into a 14-day DLQ', (name) => {
    const dlq = logicalId(fx.statefulTemplate, 'AWS::SQS::Queue', `${name}DeadLetterQueue`);

    fx.statefulTemplate.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 },
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
    });
    fx.statefulTemplate.hasResourceProperties(
      'AWS::SQS::Queue',
      Match.objectLike({ MessageRetentionPeriod: 14 * 24 * 3600, SqsManagedSseEnabled: true }),
    );
    expect(fx.statefulTemplate.toJSON().Resources[dlq].Properties).toMatchObject({
      MessageRetentionPeriod: 1209600,
      SqsManagedSseEnabled: true,
    });
  });

  it('encrypts every queue and denies it over plain HTTP', () => {
    const queues = Object.entries(fx.statefulTemplate.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(4);
    for (const [id, queue] of queues) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      fx.statefulTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it.each(['WorkQueue', 'DiscrepancyQueue'])('%s DLQ alarms at depth 1 to the alarm topic', (name) => {
    const dlq = logicalId(fx.statefulTemplate, 'AWS::SQS::Queue', `${name}DeadLetterQueue`);
    const topic = logicalId(fx.statefulTemplate, 'AWS::SNS::Topic', 'AlarmTopic');

    fx.statefulTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topic }],
    });
  });
});

describe('StatefulStack alarm topic', () => {
  it('is KMS-encrypted, TLS-only and emails the configured address', () => {
    const key = logicalId(fx.statefulTemplate, 'AWS::KMS::Key', 'TopicKey');

    fx.statefulTemplate.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
    fx.statefulTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    fx.statefulTemplate.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('exports what the pipeline imports under predictable names', () => {
    const outputs = fx.statefulTemplate.findOutputs('*');
    const exported = Object.values(outputs)
      .map((o) => (o as { Export?: { Name: string } }).Export?.Name)
      .filter(Boolean);

    expect(exported).toEqual(
      expect.arrayContaining([
        'TrueUp-UsageBucketArn',
        'TrueUp-TableArn',
        'TrueUp-WorkQueueUrl',
        'TrueUp-AlarmTopicArn',
      ]),
    );
    fx.statefulTemplate.hasOutput('UsageInbox', {
      Value: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^UsageBucket') }, '/inbox/']] },
    });
  });
});

/**
 * The embedded runtime: the same adapters as in AWS, pointed at the local stand-ins
 * (DynamoDB Local, fauxqs for S3 and SQS, aws-ses-v2-local), with the table, buckets and
 * queues the CDK stack would create.
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type SESClient, VerifyEmailIdentityCommand } from '@aws-sdk/client-ses';
import { createAwsClients, createAwsDeps, type Env } from '../adapters/aws/aws-deps.js';
import { startEmbeddedAws, type EmbeddedAws } from '../adapters/local/embedded-aws.js';
import type { Deps, Logger } from '../app/deps.js';
import { silentLogger } from '../app/deps.js';

export const TABLE = 'trueup';
export const USAGE_BUCKET = 'trueup-usage';
export const ARTIFACTS_BUCKET = 'trueup-artifacts';

/** The environment a Lambda would get, pointing at the local table, buckets and queues. */
export function localEnv(queues: { work: string; discrepancies: string }): Env {
  return {
    TABLE_NAME: TABLE, USAGE_BUCKET, ARTIFACTS_BUCKET, WORK_QUEUE_URL: queues.work, DISCREPANCY_QUEUE_URL: queues.discrepancies,
    MSP_TIMEZONE: 'UTC',
  };
}

export interface LocalRuntime {
  readonly aws: EmbeddedAws;
  readonly deps: Deps;
  readonly clients: { dynamodb: DynamoDBClient; s3: S3Client; sqs: SQSClient; ses: SESClient };
  readonly queues: { work: string; discrepancies: string };
  /** Receives and handles every message on a queue until it is empty, in message-key order. */
  drain(queueUrl: string, handle: (body: unknown) => Promise<void>): Promise<number>;
  stop(): Promise<void>;
}

export async function startLocalRuntime(options: { log?: Logger } = {}): Promise<LocalRuntime> {
  const aws = await startEmbeddedAws();
  try {
    const { dynamodb, s3, sqs, ses } = createAwsClients({
      dynamodb: aws.clientConfig('dynamodb'), s3: aws.clientConfig('s3'), sqs: aws.clientConfig('sqs'), ses: aws.clientConfig('ses'),
    });
    await createTable(dynamodb);
    for (const bucket of [USAGE_BUCKET, ARTIFACTS_BUCKET]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const work = await createQueue(sqs, 'trueup-work');
    const discrepancies = await createQueue(sqs, 'trueup-discrepancies');
    await ses.send(new VerifyEmailIdentityCommand({ EmailAddress: 'billing@trueup.local' })).catch(() => undefined);
    const deps = createAwsDeps(localEnv({ work, discrepancies }), { dynamodb, s3, sqs, ses }, options.log ?? silentLogger);
    return {
      aws, deps, clients: { dynamodb, s3, sqs, ses }, queues: { work, discrepancies },
      drain: (queueUrl, handle) => drainQueue(sqs, queueUrl, handle),
      stop: async () => {
        for (const client of [dynamodb, s3, sqs, ses]) client.destroy();
        await aws.stop();
      },
    };
  } catch (error) {
    await aws.stop();
    throw error;
  }
}

/** The table as the CDK stack defines it: PK/SK, GSI1 (open invoices), GSI2 (discrepancies by status). */
async function createTable(dynamodb: DynamoDBClient): Promise<void> {
  await dynamodb.send(new CreateTableCommand({
    TableName: TABLE,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: ['PK', 'SK', 'GSI1PK', 'GSI1SK', 'GSI2PK', 'GSI2SK'].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }, { AttributeName: 'SK', KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [1, 2].map((n) => ({
      IndexName: `GSI${n}`,
      KeySchema: [{ AttributeName: `GSI${n}PK`, KeyType: 'HASH' }, { AttributeName: `GSI${n}SK`, KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'ALL' },
    })),
  }));
}

async function createQueue(sqs: SQSClient, name: string): Promise<string> {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }));
  const dlqArn = attributes.Attributes?.QueueArn;
  const out = await sqs.send(new CreateQueueCommand({
    QueueName: name,
    Attributes: { VisibilityTimeout: '30', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }) },
  }));
  if (!out.QueueUrl || !dlq.QueueUrl) throw new Error(`Could not create queue ${name}`);
  return out.QueueUrl;
}

export async function drainQueue(sqs: SQSClient, queueUrl: string, handle: (body: unknown) => Promise<void>): Promise<number> {
  let handled = 0;
  for (;;) {
    const batch: { key: string; body: unknown; receipt: string }[] = [];
    for (;;) {
      const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'], VisibilityTimeout: 300 }));
      const messages = out.Messages ?? [];
      if (messages.length === 0) break;
      for (const m of messages) {
        batch.push({ key: m.MessageAttributes?.key?.StringValue ?? m.MessageId ?? '', body: JSON.parse(m.Body ?? 'null') as unknown, receipt: m.ReceiptHandle ?? '' });
      }
    }
    if (batch.length === 0) return handled;
    batch.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const message of batch) {
      await handle(message.body);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.receipt }));
      handled += 1;
    }
  }
}

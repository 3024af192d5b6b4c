/**
 * The embedded runtime: the same adapters as in AWS, pointed at the local stand-ins
 * (DynamoDB Local, fauxqs for S3 and SQS, aws-ses-v2-local), with the table, buckets and
 * queues the CDK stack would create.
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { createAwsClients, createAwsDeps, type AwsClients, type Env } from '../adapters/aws/aws-deps.js';
import { startEmbeddedAws, type EmbeddedAws } from '../adapters/local/embedded-aws.js';
import type { Deps, Logger } from '../app/deps.js';
import { silentLogger } from '../app/deps.js';
import { startEmbeddedPayments, type EmbeddedPayments, type EmbeddedPaymentsOptions } from './embedded-payments.js';
import { startEmbeddedBooks, type EmbeddedBooks, type EmbeddedBooksOptions } from './embedded-books.js';
import type { BooksSystemName } from '../app/books-ports.js';
import type { ReferenceData } from '../domain/billing-types.js';
import { startEmbeddedPortal, type EmbeddedPortal, type EmbeddedPortalOptions } from './embedded-portal.js';

/** Resource names of one isolated installation on the stand-in; `name` prefixes them all. */
export function localNames(name = 'trueup'): {
  table: string;
  usageBucket: string;
  artifactsBucket: string;
  workQueue: string;
  discrepancyQueue: string;
} {
  return {
    table: name,
    usageBucket: `${name}-usage`,
    artifactsBucket: `${name}-artifacts`,
    workQueue: `${name}-work`,
    discrepancyQueue: `${name}-discrepancies`,
  };
}

/** The environment a Lambda would get, pointing at the local table, buckets and queues. */
export function localEnv(queues: { work: string; discrepancies: string }, name = 'trueup'): Env {
  const names = localNames(name);
  return {
    TABLE_NAME: names.table,
    USAGE_BUCKET: names.usageBucket,
    ARTIFACTS_BUCKET: names.artifactsBucket,
    WORK_QUEUE_URL: queues.work,
    DISCREPANCY_QUEUE_URL: queues.discrepancies,
    MSP_TIMEZONE: 'UTC',
  };
}

export type LocalClients = AwsClients;

/** One installation (table, buckets, queues) on a running stand-in, with its use-case deps. */
export interface LocalInstallation {
  readonly name: string;
  readonly deps: Deps;
  readonly clients: LocalClients;
  readonly queues: { work: string; discrepancies: string };
  /**
   * Receives and handles every message on a queue until it is empty, in message-key order,
   * each body parsed with the queue's schema (functions/app/messages.ts).
   */
  drain<M>(queueUrl: string, schema: z.ZodType<M>, handle: (message: M) => Promise<void>): Promise<number>;
}

export interface LocalRuntime extends LocalInstallation {
  readonly aws: EmbeddedAws;
  /** The payment provider's stand-in and the payments endpoint, when asked for (`payments`). */
  readonly payments?: EmbeddedPayments;
  /** The accounting system's stand-in, when asked for (`books`): `deps.books` publishes to it. */
  readonly books?: EmbeddedBooks;
  /** The client portal's wiring and local server, when asked for (`portal`). */
  readonly portal?: EmbeddedPortal;
  stop(): Promise<void>;
}

export interface LocalOptions {
  readonly log?: Logger;
  /** Called with each SDK client before use (e.g. to add a fault-injection middleware). */
  readonly onClient?: (service: keyof AwsClients, client: AwsClients[keyof AwsClients]) => void;
  /** Also start the local Stripe stand-in and the payments endpoint, and wire `deps.payments` to them. */
  readonly payments?: EmbeddedPaymentsOptions;
  /** Also start the stand-in of this accounting system, its chart from `reference`, and wire `deps.books` to it. */
  readonly books?: EmbeddedBooksOptions & { readonly system: BooksSystemName; readonly reference: ReferenceData };
  /** Also serve the client portal locally, and wire `deps.portal` to it (docs/portal.md). */
  readonly portal?: EmbeddedPortalOptions;
}

export async function startLocalRuntime(options: LocalOptions = {}): Promise<LocalRuntime> {
  const aws = await startEmbeddedAws();
  try {
    const installation = await provisionLocal(aws, 'trueup', options);
    const payments = options.payments ? await startEmbeddedPayments(installation, options.payments) : undefined;
    const withPayments = payments ? payments.deps : installation.deps;
    const portal = options.portal
      ? await startEmbeddedPortal(withPayments, options.portal).catch(async (error: unknown) => {
          await payments?.stop();
          throw error;
        })
      : undefined;
    const books = options.books
      ? await startEmbeddedBooks(options.books.system, options.books.reference, options.books).catch(
          async (error: unknown) => {
            await portal?.stop();
            await payments?.stop();
            throw error;
          },
        )
      : undefined;
    const deps = portal?.deps ?? withPayments;
    return {
      ...installation,
      deps: books ? { ...deps, books: books.wiring } : deps,
      ...(payments ? { payments } : {}),
      ...(portal ? { portal } : {}),
      ...(books ? { books } : {}),
      aws,
      stop: async () => {
        await books?.stop();
        await portal?.stop();
        await payments?.stop();
        for (const client of Object.values(installation.clients)) client.destroy();
        await aws.stop();
      },
    };
  } catch (error) {
    await aws.stop();
    throw error;
  }
}

/**
 * Creates the table, buckets and queues the CDK stack would create, named after `name`, on a
 * running stand-in. Several installations can share one stand-in without seeing each other.
 */
export async function provisionLocal(
  aws: EmbeddedAws,
  name: string,
  options: LocalOptions = {},
): Promise<LocalInstallation> {
  const clients = createAwsClients({
    dynamodb: aws.clientConfig('dynamodb'),
    s3: aws.clientConfig('s3'),
    sqs: aws.clientConfig('sqs'),
    ses: aws.clientConfig('ses'),
  });
  const names = localNames(name);
  await createTable(clients.dynamodb, names.table);
  for (const bucket of [names.usageBucket, names.artifactsBucket])
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const work = await createQueue(clients.sqs, names.workQueue);
  const discrepancies = await createQueue(clients.sqs, names.discrepancyQueue);
  for (const [service, client] of Object.entries(clients)) options.onClient?.(service as keyof AwsClients, client);
  const deps = createAwsDeps(localEnv({ work, discrepancies }, name), clients, options.log ?? silentLogger);
  return {
    name,
    deps,
    clients,
    queues: { work, discrepancies },
    drain: (queueUrl, schema, handle) => drainQueue(clients.sqs, queueUrl, schema, handle),
  };
}

/** The table as the CDK stack defines it: PK/SK, GSI1 (open invoices), GSI2 (discrepancies by status). */
async function createTable(dynamodb: DynamoDBClient, table: string): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['PK', 'SK', 'GSI1PK', 'GSI1SK', 'GSI2PK', 'GSI2SK'].map((name) => ({
        AttributeName: name,
        AttributeType: 'S',
      })),
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [1, 2].map((n) => ({
        IndexName: `GSI${n}`,
        KeySchema: [
          { AttributeName: `GSI${n}PK`, KeyType: 'HASH' },
          { AttributeName: `GSI${n}SK`, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
}

async function createQueue(sqs: SQSClient, name: string): Promise<string> {
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const dlqArn = attributes.Attributes?.QueueArn;
  const out = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: '30',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
      },
    }),
  );
  if (!out.QueueUrl || !dlq.QueueUrl) throw new Error(`Could not create queue ${name}`);
  return out.QueueUrl;
}

async function inFlight(sqs: SQSClient, queueUrl: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/**
 * Handles every message on the queue, in key order per batch, until none is left or in flight.
 * A body its schema refuses fails the drain and stays on the queue, as it fails the Lambda
 * worker's record (which SQS then retries and dead-letters).
 */
export async function drainQueue<M>(
  sqs: SQSClient,
  queueUrl: string,
  schema: z.ZodType<M>,
  handle: (message: M) => Promise<void>,
): Promise<number> {
  let handled = 0;
  for (;;) {
    const batch: { key: string; body: unknown; receipt: string }[] = [];
    for (;;) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
          VisibilityTimeout: 300,
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) break;
      for (const m of messages) {
        batch.push({
          key: m.MessageAttributes?.key?.StringValue ?? m.MessageId ?? '',
          body: JSON.parse(m.Body ?? 'null') as unknown,
          receipt: m.ReceiptHandle ?? '',
        });
      }
    }
    if (batch.length === 0) {
      // Another consumer may still hold messages (two runs draining at once): the queue is
      // drained only when none is left in flight. A crashed holder's messages come back after
      // the visibility timeout and are handled here.
      if ((await inFlight(sqs, queueUrl)) === 0) return handled;
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    batch.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const message of batch) {
      await handle(parseMessage(schema, message.key, message.body, queueUrl));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.receipt }));
      handled += 1;
    }
  }
}

function parseMessage<M>(schema: z.ZodType<M>, key: string, body: unknown, queueUrl: string): M {
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new Error(`Message ${key} on ${queueUrl} does not match its schema:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

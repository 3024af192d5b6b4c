/**
 * Wiring for Lambda: the environment is validated once at cold start (a missing variable
 * fails the init with its name), SDK clients are created once per container.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { Deps, Logger } from '../../app/deps.js';
import { awsPaymentsWiring } from '../payments/aws-payments.js';
import { awsPortalWiring } from './portal-wiring.js';
import { openBufferedPartWriter } from './buffered-part-writer.js';
import { TokenBucket } from './rate-limiter.js';
import { DynamoDbLedger } from './dynamodb-ledger.js';
import { RateLimitedMailer } from './rate-limited-mailer.js';
import { S3BlobStore } from './s3-blob-store.js';
import { SesMailer } from './ses-mailer.js';
import { SqsWorkQueue } from './sqs-work-queue.js';

export const EnvSchema = z.object({
  TABLE_NAME: z.string().min(1),
  USAGE_BUCKET: z.string().min(1),
  ARTIFACTS_BUCKET: z.string().min(1),
  WORK_QUEUE_URL: z.string().url(),
  DISCREPANCY_QUEUE_URL: z.string().url(),
  SES_CONFIGURATION_SET: z.string().min(1).optional(),
  MSP_TIMEZONE: z.string().min(1).default('America/Chicago'),
  /** SES recipients per second for this function instance (see docs/scale.md); loadEnv defaults it to 14. */
  SES_MAX_SEND_RATE: z.coerce.number().positive().finite().optional(),
  /** Getting paid (CDK `payments: true`): the Stripe keys secret (payments endpoint, auto-pay only). */
  PAYMENTS_SECRET_ARN: z.string().min(1).optional(),
  /** The Pay-link key secret: set on every function that builds Pay links. */
  PAY_LINK_SECRET_ARN: z.string().min(1).optional(),
  /** The payments endpoint's Function URL, the base of Pay links. */
  PAYMENTS_ENDPOINT_URL: z.string().url().optional(),
  /** The web console and portal (CDK `web: true`): the portal link key secret, on every function that builds portal links. */
  PORTAL_LINK_SECRET_ARN: z.string().min(1).optional(),
  /** The console's CloudFront URL, the base of portal links. */
  PORTAL_BASE_URL: z.string().url().optional(),
});
export type Env = z.infer<typeof EnvSchema>;

/** SES's default production send rate; the embedded stand-in (no SES_MAX_SEND_RATE in its env) is not limited. */
export const DEFAULT_SES_MAX_SEND_RATE = 14;

export function loadEnv(source: Record<string, string | undefined>): Env {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    const names = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`TrueUp function misconfigured: ${names}`);
  }
  return { ...parsed.data, SES_MAX_SEND_RATE: parsed.data.SES_MAX_SEND_RATE ?? DEFAULT_SES_MAX_SEND_RATE };
}

export interface AwsClients {
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly ses: SESClient;
}

/** SDK clients; each may get its own configuration (the embedded stand-in's endpoints). */
export function createAwsClients(configs: Partial<Record<keyof AwsClients, object>> = {}): AwsClients {
  return {
    dynamodb: new DynamoDBClient(configs.dynamodb ?? {}),
    s3: new S3Client(configs.s3 ?? {}),
    sqs: new SQSClient(configs.sqs ?? {}),
    ses: new SESClient(configs.ses ?? {}),
  };
}

export function createAwsDeps(env: Env, clients: AwsClients, log: Logger): Deps {
  const ses = new SesMailer(clients.ses, env.SES_CONFIGURATION_SET);
  return {
    ledger: new DynamoDbLedger(
      DynamoDBDocumentClient.from(clients.dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
      env.TABLE_NAME,
    ),
    usage: new S3BlobStore(clients.s3, env.USAGE_BUCKET),
    artifacts: new S3BlobStore(clients.s3, env.ARTIFACTS_BUCKET),
    openPartWriter: openBufferedPartWriter,
    workQueue: new SqsWorkQueue(clients.sqs, env.WORK_QUEUE_URL),
    discrepancyQueue: new SqsWorkQueue(clients.sqs, env.DISCREPANCY_QUEUE_URL),
    mailer:
      env.SES_MAX_SEND_RATE === undefined
        ? ses
        : new RateLimitedMailer(ses, new TokenBucket({ ratePerSecond: env.SES_MAX_SEND_RATE })),
    log,
    payments: awsPaymentsWiring(env),
    // Only when the web console is deployed: without it, Deps are what they were (no `portal` key).
    ...(env.PORTAL_LINK_SECRET_ARN ? { portal: awsPortalWiring(env) } : {}),
  };
}

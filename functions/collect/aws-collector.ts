/** Collector wiring on AWS SDK clients (Lambda, the CLI, the embedded runtime). */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../app/deps.js';
import type { CollectorDeps } from './collect.js';
import type { CredentialResolver } from './credentials.js';
import { DynamoDbCollectorState } from './dynamodb-collector-state.js';
import { S3Inbox } from './inbox.js';

export function createCollectorDeps(input: {
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly table: string;
  readonly usageBucket: string;
  readonly credentials: CredentialResolver;
  readonly log: Logger;
  readonly ingest?: (key: string) => Promise<void>;
  readonly baseDir?: string;
}): CollectorDeps & { readonly state: DynamoDbCollectorState; readonly inbox: S3Inbox } {
  const doc = DynamoDBDocumentClient.from(input.dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  return {
    state: new DynamoDbCollectorState(doc, input.table),
    inbox: new S3Inbox(input.s3, input.usageBucket),
    credentials: input.credentials,
    log: input.log,
    ingest: input.ingest,
    baseDir: input.baseDir,
  };
}

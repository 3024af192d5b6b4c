/**
 * Where `trueup sources …` acts: the running local stand-in (`.trueup/local.json`) or a
 * deployed stack (`--outputs FILE`), like the other operating commands. The collector needs
 * the table and usage bucket names and its own SDK clients (for object metadata), beside the
 * use-case dependencies that ingest a landed file.
 */
import { readFile } from 'node:fs/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { connect, ConnectionError, LOCAL_FILE, type Connection } from './connection.js';
import { localNames } from '../functions/local-runner/local-runtime.js';

export interface CollectorTarget {
  readonly connection: Connection;
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly table: string;
  readonly usageBucket: string;
  close(): void;
}

const ClientConfig = z
  .object({
    endpoint: z.string(),
    region: z.string(),
    credentials: z.object({ accessKeyId: z.string(), secretAccessKey: z.string() }),
    forcePathStyle: z.boolean().optional(),
  })
  .passthrough();
const LocalFile = z
  .object({ configs: z.object({ dynamodb: ClientConfig, s3: ClientConfig }).passthrough() })
  .passthrough();
const Outputs = z.record(z.string(), z.record(z.string(), z.string()));

export async function connectCollector(target: { outputs?: string }): Promise<CollectorTarget> {
  const connection = await connect(target);
  try {
    if (target.outputs) {
      const merged: Record<string, string> = Object.assign(
        {},
        ...Object.values(Outputs.parse(JSON.parse(await readFile(target.outputs, 'utf8')))),
      );
      if (!merged.TableName || !merged.UsageBucketName)
        throw new ConnectionError(`${target.outputs} lacks the stack outputs TableName, UsageBucketName`);
      const dynamodb = new DynamoDBClient({});
      const s3 = new S3Client({});
      return {
        connection,
        dynamodb,
        s3,
        table: merged.TableName,
        usageBucket: merged.UsageBucketName,
        close: () => {
          dynamodb.destroy();
          s3.destroy();
          connection.close();
        },
      };
    }
    const file = LocalFile.parse(JSON.parse(await readFile(LOCAL_FILE, 'utf8')));
    const dynamodb = new DynamoDBClient(file.configs.dynamodb);
    const s3 = new S3Client(file.configs.s3);
    const names = localNames();
    return {
      connection,
      dynamodb,
      s3,
      table: names.table,
      usageBucket: names.usageBucket,
      close: () => {
        dynamodb.destroy();
        s3.destroy();
        connection.close();
      },
    };
  } catch (error) {
    connection.close();
    throw error;
  }
}

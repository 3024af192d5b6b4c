/**
 * The one DynamoDB table every part of the ledger writes (single-table design; see
 * docs/data-model.md): the client, the table's name and the access helpers they share —
 * reads by key, conditional puts, counters, paginated queries, batch writes — and how a refused
 * condition is recognized. Each aggregate's store extends it (./reference-data.ts, …).
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { retryUnprocessed } from '../retry-unprocessed.js';

export type Item = Record<string, unknown>;

export abstract class LedgerTable {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    protected readonly table: string,
  ) {}

  protected async getItem(pk: string, sk: string, consistent = false): Promise<Item | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { PK: pk, SK: sk }, ConsistentRead: consistent }),
    );
    return out.Item;
  }

  protected async putOnce(item: Item): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(PK)' }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  protected async nextCounter(name: string): Promise<number> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { PK: 'COUNTER', SK: name },
        UpdateExpression: 'ADD #v :one',
        ExpressionAttributeNames: { '#v': 'value' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.value);
  }

  protected async queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          ConsistentRead: input.IndexName ? undefined : true,
          ...input,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  protected async batchWrite(
    requests: NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string],
  ): Promise<void> {
    await retryUnprocessed(
      requests,
      async (pending) => {
        const out = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.table]: [...pending] } }));
        return out.UnprocessedItems?.[this.table] ?? [];
      },
      { retries: 8, exhausted: () => new Error('DynamoDB kept throttling a batch write') },
    );
  }
}

export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

export function isCancelledByCondition(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed')
  );
}

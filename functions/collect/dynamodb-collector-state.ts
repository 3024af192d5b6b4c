/**
 * CollectorState on the ledger table (docs/sources.md, "Collector state"):
 *
 * | item | key |
 * | --- | --- |
 * | a pulled (or being pulled) remote item | `PK=SOURCE#<name>, SK=ITEM#<remote id>` (`status` pulling → done) |
 * | an https source's validators | `PK=SOURCE#<name>, SK=CURSOR` |
 * | the last run's outcome | `PK=SOURCE#<name>, SK=STATUS` |
 * | the imported sources.json | `PK=SOURCES, SK=CONFIG` (`data`; its expected feeds also as plain rules in `expectedFeeds`, which the ledger reads) |
 *
 * Claims are conditional puts: an item can be claimed when it does not exist, or when it is
 * still `pulling` under an expired lease (a crashed run). A `done` item is never claimed again.
 */
import { createHash } from 'node:crypto';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ExpectedFeedRule } from '../domain/expected-feeds.js';
import type { CollectorState, PulledItem, SourceStatus } from './collector-state.js';
import type { SourcesConfig } from './sources-config.js';

/** Sort keys are at most 1024 bytes: long remote ids (URLs with validators) are hashed. */
export function itemSk(remoteId: string): string {
  return Buffer.byteLength(remoteId) <= 700
    ? `ITEM#${remoteId}`
    : `ITEM#sha256:${createHash('sha256').update(remoteId).digest('hex')}`;
}

const pk = (source: string): string => `SOURCE#${source}`;

export class DynamoDbCollectorState implements CollectorState {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async isPulled(source: string, remoteId: string): Promise<boolean> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { PK: pk(source), SK: itemSk(remoteId) }, ConsistentRead: true }),
    );
    return out.Item?.status === 'done';
  }

  async claim(source: string, remoteId: string, now: Date, leaseMs: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            PK: pk(source),
            SK: itemSk(remoteId),
            remoteId,
            status: 'pulling',
            leaseUntil: now.getTime() + leaseMs,
          },
          ConditionExpression: 'attribute_not_exists(PK) OR (#s = :pulling AND leaseUntil < :now)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':pulling': 'pulling', ':now': now.getTime() },
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  async complete(item: PulledItem): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          PK: pk(item.source),
          SK: itemSk(item.remoteId),
          remoteId: item.remoteId,
          status: 'done',
          fetchedAt: item.fetchedAt,
          data: JSON.stringify(item),
        },
        // Only the holder of the claim completes it; a done item stays as it was.
        ConditionExpression: '#s = :pulling',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':pulling': 'pulling' },
      }),
    );
  }

  async release(source: string, remoteId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { PK: pk(source), SK: itemSk(remoteId) },
          ConditionExpression: '#s = :pulling',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':pulling': 'pulling' },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }

  async listPulled(source: string): Promise<PulledItem[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :item)',
          FilterExpression: '#s = :done',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':pk': pk(source), ':item': 'ITEM#', ':done': 'done' },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items
      .map((i) => JSON.parse(String(i.data)) as PulledItem)
      .sort((a, b) => a.fetchedAt.localeCompare(b.fetchedAt) || a.remoteId.localeCompare(b.remoteId));
  }

  async getCursor(source: string): Promise<Readonly<Record<string, string>>> {
    const item = await this.get(pk(source), 'CURSOR');
    return item ? (JSON.parse(String(item.data)) as Record<string, string>) : {};
  }

  async putCursor(source: string, cursor: Readonly<Record<string, string>>): Promise<void> {
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: { PK: pk(source), SK: 'CURSOR', data: JSON.stringify(cursor) } }),
    );
  }

  async getStatus(source: string): Promise<SourceStatus | undefined> {
    const item = await this.get(pk(source), 'STATUS');
    return item ? (JSON.parse(String(item.data)) as SourceStatus) : undefined;
  }

  async putStatus(source: string, status: SourceStatus): Promise<void> {
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: { PK: pk(source), SK: 'STATUS', data: JSON.stringify(status) } }),
    );
  }

  async saveConfig(config: SourcesConfig): Promise<void> {
    // The billing run's ledger reads only `expectedFeeds`, the domain's rules: it does not parse sources.json.
    const rules: ExpectedFeedRule[] = config.expectedFeeds.map(({ vendor, dayOfMonth }) =>
      dayOfMonth === undefined ? { vendor } : { vendor, dayOfMonth },
    );
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { PK: 'SOURCES', SK: 'CONFIG', data: JSON.stringify(config), expectedFeeds: JSON.stringify(rules) },
      }),
    );
  }

  async loadConfig(): Promise<unknown> {
    const item = await this.get('SOURCES', 'CONFIG');
    return item ? (JSON.parse(String(item.data)) as unknown) : undefined;
  }

  private async get(PK: string, SK: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { PK, SK }, ConsistentRead: true }));
    return out.Item;
  }
}

/** The outbox (OUTBOX, by key), its send leases and sent order, and the SES message links (SESMSG) for bounces. */
import { TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Outbox, OutboxEntry } from '../../../app/ports.js';
import { outboxItem } from './items.js';
import { isCancelledByCondition, isConditionFailure, LedgerTable } from './table.js';

export class DynamoDbOutbox extends LedgerTable implements Outbox {
  /** `now` (epoch ms) dates send leases; tests pass their own clock. */
  constructor(
    db: DynamoDBDocumentClient,
    table: string,
    private readonly now: () => number = Date.now,
  ) {
    super(db, table);
  }

  async putOutbox(entry: OutboxEntry): Promise<boolean> {
    return this.putOnce(outboxItem(entry));
  }

  async getOutbox(key: string): Promise<OutboxEntry | undefined> {
    const item = await this.getItem('OUTBOX', key, true);
    return item ? (JSON.parse(String(item.data)) as OutboxEntry) : undefined;
  }

  async pendingOutbox(): Promise<OutboxEntry[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk',
      FilterExpression: '#s = :pending',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':pk': 'OUTBOX', ':pending': 'pending' },
    });
    return items.map((i) => JSON.parse(String(i.data)) as OutboxEntry);
  }

  async claimSend(key: string, owner: string, leaseSeconds: number): Promise<{ sentOrder: number } | undefined> {
    const now = this.now();
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { PK: 'OUTBOX', SK: key },
          UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
          ConditionExpression:
            '#s = :pending AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseOwner = :owner)',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: {
            ':owner': owner,
            ':until': now + leaseSeconds * 1000,
            ':now': now,
            ':pending': 'pending',
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
    return { sentOrder: await this.nextCounter('EMAIL') };
  }

  async markSent(entry: OutboxEntry, messageId: string, sentOrder: number): Promise<OutboxEntry> {
    const sent: OutboxEntry = { ...entry, status: 'sent', messageId, sentOrder };
    try {
      // The Put replaces the whole item, lease attributes included.
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: outboxItem(sent),
                ConditionExpression: '#s = :pending',
                ExpressionAttributeNames: { '#s': 'status' },
                ExpressionAttributeValues: { ':pending': 'pending' },
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: { PK: 'SESMSG', SK: messageId || `none#${entry.key}`, key: entry.key },
              },
            },
          ],
        }),
      );
      return sent;
    } catch (error) {
      if (!isCancelledByCondition(error)) throw error;
      const current = await this.getOutbox(entry.key);
      if (!current) throw new Error(`No outbox entry ${entry.key}`, { cause: error });
      return current; // recorded already (a retried write, or another sender)
    }
  }

  async sentLog(): Promise<OutboxEntry[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': 'OUTBOX' },
    });
    return items
      .map((i) => JSON.parse(String(i.data)) as OutboxEntry)
      .filter((e) => e.status !== 'pending')
      .sort((a, b) => (a.sentOrder ?? 0) - (b.sentOrder ?? 0));
  }

  async markBounced(messageId: string): Promise<OutboxEntry | undefined> {
    const link = await this.getItem('SESMSG', messageId);
    if (!link) return undefined;
    const entry = await this.getOutbox(String(link.key));
    if (!entry || entry.status === 'bounced') return entry;
    const bounced: OutboxEntry = { ...entry, status: 'bounced' };
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.table, Item: outboxItem(bounced) } },
          ...(entry.kind === 'dunning'
            ? entry.invoices
                .filter((i) => i.step)
                .map((i) => ({
                  Update: {
                    TableName: this.table,
                    Key: { PK: 'INVOICE', SK: i.number },
                    UpdateExpression: 'DELETE stepsSent :step',
                    ExpressionAttributeValues: { ':step': new Set([String(i.step)]) },
                  },
                }))
            : []),
        ],
      }),
    );
    return bounced;
  }
}

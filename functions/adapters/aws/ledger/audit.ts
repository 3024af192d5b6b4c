/**
 * The audit log (functions/app/audit-ports.ts): an entry is `PK=AUDIT#<yyyy-mm>,
 * SK=<at>#<hash of its key>` (its JSON in `data`), put in one transaction with
 * `PK=AUDITKEY, SK=<sha256 of the key>` that makes the key unique (a retried action records nothing new),
 * and `PK=AUDIT, SK=<yyyy-mm>` naming the months that have entries, so that a listing reads
 * the months newest first and stops at its limit.
 */
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  auditKey,
  auditKeyHash,
  auditMonth,
  auditSortKey,
  inAuditRange,
  type AuditEntry,
  type AuditLog,
  type AuditQuery,
} from '../../../app/audit-ports.js';
import { isCancelledByCondition, LedgerTable, type Item } from './table.js';

export class DynamoDbAudit extends LedgerTable implements AuditLog {
  async recordAudit(entry: AuditEntry): Promise<void> {
    const key = auditKey(entry);
    const month = auditMonth(entry.at);
    // The month first: a crash after it leaves a month without entries, which lists nothing.
    await this.db.send(new PutCommand({ TableName: this.table, Item: { PK: 'AUDIT', SK: month } }));
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { PK: 'AUDITKEY', SK: auditKeyHash(entry), month, at: entry.at },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: { PK: `AUDIT#${month}`, SK: auditSortKey(entry), data: JSON.stringify({ ...entry, key }) },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (isCancelledByCondition(error)) return; // recorded before
      throw error;
    }
  }

  async listAudit(options: AuditQuery = {}): Promise<AuditEntry[]> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const months = (
      await this.queryAll({ KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'AUDIT' } })
    )
      .map((i) => String(i.SK))
      .filter((m) => inMonths(m, options))
      .sort()
      .reverse();
    const entries: AuditEntry[] = [];
    for (const month of months) {
      if (entries.length >= limit) break;
      const items = await this.queryAll({
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': `AUDIT#${month}` },
        ScanIndexForward: false,
      });
      entries.push(...items.map(auditEntry).filter((e) => inAuditRange(e.at, options)));
    }
    return entries.slice(0, limit);
  }
}

function inMonths(month: string, options: AuditQuery): boolean {
  return (
    (options.from === undefined || month >= options.from.slice(0, 7)) &&
    (options.to === undefined || month <= options.to.slice(0, 7))
  );
}

function auditEntry(item: Item): AuditEntry {
  return JSON.parse(String(item.data)) as AuditEntry;
}

/** The reconciliations (RECON, one per period) and the expected feeds stored beside sources.json. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { encode } from '../../../app/codec.js';
import type { ReconciliationLog, ReconciliationRecord } from '../../../app/ports.js';
import type { ExpectedFeedRule } from '../../../domain/expected-feeds.js';
import { LedgerTable } from './table.js';

export class DynamoDbReconciliations extends LedgerTable implements ReconciliationLog {
  async putReconciliation(record: ReconciliationRecord): Promise<boolean> {
    return this.putOnce({ PK: 'RECON', SK: record.period, data: encode(record) });
  }

  async expectedFeeds(): Promise<readonly ExpectedFeedRule[]> {
    // Stored as plain rules by the collector state when sources.json is imported
    // (functions/collect/dynamodb-collector-state.ts); the ledger does not read sources.json.
    const item = await this.getItem('SOURCES', 'CONFIG', true);
    if (!item) return [];
    if (item.expectedFeeds !== undefined) return JSON.parse(String(item.expectedFeeds)) as ExpectedFeedRule[];
    // Imported before the rules were stored apart: the import stored the validated config, whose
    // `expectedFeeds` are the same plain rules.
    return (JSON.parse(String(item.data)) as { expectedFeeds?: ExpectedFeedRule[] }).expectedFeeds ?? [];
  }

  async recentReconciliations(limit: number): Promise<ReconciliationRecord[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': 'RECON' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => JSON.parse(String(i.data)) as ReconciliationRecord);
  }
}

/** The discrepancies (DISC, by deterministic id; GSI2 by status). */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { encode, reviveDiscrepancy } from '../../../app/codec.js';
import type { DiscrepancyClosure, DiscrepancyStore, StoredDiscrepancy } from '../../../app/ports.js';
import type { IsoDate } from '../../../domain/dates.js';
import type { Discrepancy } from '../../../domain/reconcile-period.js';
import { LedgerTable, type Item } from './table.js';

export class DynamoDbDiscrepancies extends LedgerTable implements DiscrepancyStore {
  async storeDiscrepancy(discrepancy: Discrepancy, openedOn: IsoDate): Promise<boolean> {
    const stored: StoredDiscrepancy = { ...discrepancy, status: 'open', openedOn };
    return this.putOnce(discrepancyItem(stored));
  }

  async listDiscrepancies(): Promise<StoredDiscrepancy[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': 'DISC' },
    });
    return items.map((i) => reviveDiscrepancy<StoredDiscrepancy>(JSON.parse(String(i.data)) as Item));
  }

  async setDiscrepancyStatus(
    id: string,
    status: StoredDiscrepancy['status'],
    on: IsoDate,
    note?: string,
    _by?: string,
  ): Promise<StoredDiscrepancy> {
    const item = await this.getItem('DISC', id);
    if (!item) throw new Error(`No discrepancy with id ${id}`);
    const current = reviveDiscrepancy<StoredDiscrepancy>(JSON.parse(String(item.data)) as Item);
    const next: StoredDiscrepancy = {
      ...current,
      status,
      note: note ?? current.note,
      acknowledgedOn: status === 'acknowledged' ? on : current.acknowledgedOn,
      closedOn: status === 'resolved' || status === 'dismissed' ? on : current.closedOn,
    };
    await this.db.send(new PutCommand({ TableName: this.table, Item: discrepancyItem(next) }));
    return next;
  }

  // SKELETON (issue 18): being written.
  async closeDiscrepancies(_closures: readonly DiscrepancyClosure[]): Promise<void> {
    throw new Error('closeDiscrepancies: not written yet');
  }
}

function discrepancyItem(d: StoredDiscrepancy): Item {
  return {
    PK: 'DISC',
    SK: d.id,
    status: d.status,
    GSI2PK: `DISC#${d.status}`,
    GSI2SK: `${d.period}#${d.id}`,
    data: encode(d),
  };
}

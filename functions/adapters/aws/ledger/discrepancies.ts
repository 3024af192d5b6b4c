/**
 * The discrepancies (DISC, by deterministic id; GSI2 by status as stored) and the invoice lines
 * that closed them (DISCCLOSE, by discrepancy id: kept apart, so that a closure holds whichever
 * of the two is stored first; applied when listing).
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { encode, reviveDiscrepancy } from '../../../app/codec.js';
import { applyClosure, changeStatus } from '../../../app/discrepancy-closure.js';
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
    const [items, closures] = await Promise.all(
      ['DISC', 'DISCCLOSE'].map((pk) =>
        this.queryAll({ KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk } }),
      ),
    );
    const closed = new Map(
      (closures ?? []).map((i) => [String(i.SK), JSON.parse(String(i.data)) as DiscrepancyClosure]),
    );
    return (items ?? []).map((i) =>
      applyClosure(reviveDiscrepancy<StoredDiscrepancy>(JSON.parse(String(i.data)) as Item), closed.get(String(i.SK))),
    );
  }

  async setDiscrepancyStatus(
    id: string,
    status: StoredDiscrepancy['status'],
    on: IsoDate,
    note?: string,
    by?: string,
  ): Promise<StoredDiscrepancy> {
    const item = await this.getItem('DISC', id);
    if (!item) throw new Error(`No discrepancy with id ${id}`);
    const current = reviveDiscrepancy<StoredDiscrepancy>(JSON.parse(String(item.data)) as Item);
    const next = changeStatus(current, status, on, note, by);
    await this.db.send(new PutCommand({ TableName: this.table, Item: discrepancyItem(next) }));
    return next;
  }

  /** One conditional put per closure: the first closure of an id is kept, a retry changes nothing. */
  async closeDiscrepancies(closures: readonly DiscrepancyClosure[]): Promise<void> {
    await Promise.all(
      closures.map((closure) => this.putOnce({ PK: 'DISCCLOSE', SK: closure.id, data: encode(closure) })),
    );
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

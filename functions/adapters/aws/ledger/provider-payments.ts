/**
 * What the payment provider told us and what auto-pay decided: `PK=PROVIDER_EVENT, SK=<event
 * id>` (one per webhook event, put once) and `PK=AUTOPAY, SK=<invoice number>` (one attempt per
 * invoice, put once). Both are small JSON items in `data`.
 */
import { encode, reviveAutoPay } from '../../../app/codec.js';
import type { AutoPayAttempt, AutoPayLog, ProviderEventLog, StoredProviderEvent } from '../../../app/ports.js';
import { LedgerTable, type Item } from './table.js';

export class DynamoDbProviderPayments extends LedgerTable implements ProviderEventLog, AutoPayLog {
  async recordProviderEvent(event: StoredProviderEvent): Promise<boolean> {
    return this.putOnce({ PK: 'PROVIDER_EVENT', SK: event.id, receivedOn: event.receivedOn, data: encode(event) });
  }

  async getProviderEvent(id: string): Promise<StoredProviderEvent | undefined> {
    const item = await this.getItem('PROVIDER_EVENT', id, true);
    return item ? (JSON.parse(String(item.data)) as StoredProviderEvent) : undefined;
  }

  async listProviderEvents(): Promise<StoredProviderEvent[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': 'PROVIDER_EVENT' },
    });
    return items.map((i) => JSON.parse(String(i.data)) as StoredProviderEvent);
  }

  async getAutoPay(invoiceNumber: string): Promise<AutoPayAttempt | undefined> {
    const item = await this.getItem('AUTOPAY', invoiceNumber, true);
    return item ? reviveAutoPay(JSON.parse(String(item.data)) as Item) : undefined;
  }

  async recordAutoPay(attempt: AutoPayAttempt): Promise<boolean> {
    return this.putOnce({ PK: 'AUTOPAY', SK: attempt.invoiceNumber, on: attempt.on, data: encode(attempt) });
  }

  async listAutoPays(): Promise<AutoPayAttempt[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': 'AUTOPAY' },
    });
    return items.map((i) => reviveAutoPay(JSON.parse(String(i.data)) as Item));
  }
}

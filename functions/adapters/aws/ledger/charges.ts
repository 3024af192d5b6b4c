/**
 * The one-off charges: `PK=CLIENT#<client>, SK=CHARGE#<id>` (the charge's JSON in `data`,
 * `invoiceNumber` once the invoice that bills it is issued: functions/adapters/aws/ledger/invoices.ts
 * sets it in the issuing transaction), and `PK=CHARGE, SK=<id>` naming its client, which keeps
 * an id to one charge whatever the client and lists them all. Both are put in one transaction.
 */
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { encode, reviveCharge } from '../../../app/codec.js';
import type { ChargeBook, StoredCharge } from '../../../app/ports.js';
import type { Charge } from '../../../domain/billing-types.js';
import { chargeKey } from './items.js';
import { isCancelledByCondition, LedgerTable, type Item } from './table.js';

export class DynamoDbCharges extends LedgerTable implements ChargeBook {
  async addCharge(charge: Charge): Promise<boolean> {
    const condition = 'attribute_not_exists(PK)';
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { PK: 'CHARGE', SK: charge.chargeId, clientId: charge.clientId },
                ConditionExpression: condition,
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: { ...chargeKey(charge.clientId, charge.chargeId), date: charge.date, data: encode(charge) },
                ConditionExpression: condition,
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isCancelledByCondition(error)) return false;
      throw error;
    }
  }

  async unbilledCharges(clientId: string): Promise<StoredCharge[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :charge)',
      FilterExpression: 'attribute_not_exists(invoiceNumber)',
      ExpressionAttributeValues: { ':pk': `CLIENT#${clientId}`, ':charge': 'CHARGE#' },
    });
    return sortCharges(items.map(storedCharge));
  }

  /** Every charge: the ids (one query), then the charges of each client that has some (one query each). */
  async listCharges(): Promise<StoredCharge[]> {
    const ids = await this.queryAll({
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': 'CHARGE' },
    });
    const clients = [...new Set(ids.map((i) => String(i.clientId)))];
    const lists = await Promise.all(
      clients.map((clientId) =>
        this.queryAll({
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :charge)',
          ExpressionAttributeValues: { ':pk': `CLIENT#${clientId}`, ':charge': 'CHARGE#' },
        }),
      ),
    );
    return sortCharges(lists.flat().map(storedCharge));
  }
}

function storedCharge(item: Item): StoredCharge {
  const charge = reviveCharge<StoredCharge>(JSON.parse(String(item.data)) as Item);
  return item.invoiceNumber === undefined ? charge : { ...charge, invoiceNumber: String(item.invoiceNumber) };
}

/** By date, then id (code-point order, as every listing of the ledger). */
function sortCharges(charges: StoredCharge[]): StoredCharge[] {
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return charges.sort((a, b) => cmp(a.date, b.date) || cmp(a.chargeId, b.chargeId));
}

/** The dunning steps (a set on the invoice item), the late fees (LATEFEE under the client) and the email, written together. */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { encode, reviveLateFee } from '../../../app/codec.js';
import type { DunningLog, OutboxEntry } from '../../../app/ports.js';
import type { LateFee } from '../../../domain/billing-types.js';
import { lateFeeSk, outboxItem } from './items.js';
import { LedgerTable, type Item } from './table.js';

export class DynamoDbDunning extends LedgerTable implements DunningLog {
  async recordDunning(
    steps: readonly { invoiceNumber: string; step: string }[],
    fees: readonly LateFee[],
    outbox: OutboxEntry,
  ): Promise<boolean> {
    const feeFor = new Map(fees.map((f) => [f.invoiceNumber, f]));
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: { TableName: this.table, Item: outboxItem(outbox), ConditionExpression: 'attribute_not_exists(PK)' },
            },
            ...steps.map(({ invoiceNumber, step }) => ({
              Update: {
                TableName: this.table,
                Key: { PK: 'INVOICE', SK: invoiceNumber },
                UpdateExpression: feeFor.has(invoiceNumber)
                  ? 'ADD stepsSent :step SET feeCharged = :true'
                  : 'ADD stepsSent :step',
                ConditionExpression: feeFor.has(invoiceNumber)
                  ? 'attribute_exists(PK) AND NOT contains(stepsSent, :name) AND attribute_not_exists(feeCharged)'
                  : 'attribute_exists(PK) AND NOT contains(stepsSent, :name)',
                ExpressionAttributeValues: {
                  ':step': new Set([step]),
                  ':name': step,
                  ...(feeFor.has(invoiceNumber) ? { ':true': true } : {}),
                },
              },
            })),
            ...fees.map((fee) => ({
              Put: {
                TableName: this.table,
                Item: { PK: `CLIENT#${fee.clientId}`, SK: lateFeeSk(fee), data: encode(fee) },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            })),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException) return false;
      throw error;
    }
  }

  async unbilledLateFees(clientId: string): Promise<LateFee[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :fee)',
      FilterExpression: 'attribute_not_exists(billedOn)',
      ExpressionAttributeValues: { ':pk': `CLIENT#${clientId}`, ':fee': 'LATEFEE#' },
    });
    return items.map((i) => reviveLateFee(JSON.parse(String(i.data)) as Item));
  }
}

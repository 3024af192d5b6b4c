/**
 * The payments (PAYMENT, by id, pending until recorded), applied to invoices in one transaction
 * each. The provider's fee is kept beside the payment's data as its own attributes (`fee`,
 * `feeCurrency`): it can arrive after the payment, and is then added once by a conditional update.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactGetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { encode, revivePayment } from '../../../app/codec.js';
import type { PayableInvoice, PaymentBook, ProviderFee, RecordPaymentResult } from '../../../app/ports.js';
import type { IsoDate } from '../../../domain/dates.js';
import { Dec, decimalText, type Dec as DecT } from '../../../domain/money.js';
import type { AppliedPayment, Payment } from '../../../domain/billing-types.js';
import { payableInvoice } from './items.js';
import { isConditionFailure, LedgerTable, type Item } from './table.js';

export class DynamoDbPayments extends LedgerTable implements PaymentBook {
  async addPayments(payments: readonly Payment[]): Promise<number> {
    let added = 0;
    for (const payment of payments) {
      const seq = await this.nextCounter('PAYMENT');
      const ok = await this.putOnce({
        PK: 'PAYMENT',
        SK: payment.paymentId,
        status: 'pending',
        receivedOn: payment.receivedOn,
        seq,
        data: encode(payment),
        ...(payment.fee !== undefined && payment.feeCurrency !== undefined
          ? { fee: decimalText(payment.fee), feeCurrency: payment.feeCurrency }
          : {}),
      });
      if (ok) added += 1;
    }
    return added;
  }

  async pendingPayments(upTo: IsoDate): Promise<Payment[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk',
      FilterExpression: '#s = :pending AND receivedOn <= :upTo',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':pk': 'PAYMENT', ':pending': 'pending', ':upTo': upTo },
    });
    items.sort((a, b) => String(a.receivedOn).localeCompare(String(b.receivedOn)) || Number(a.seq) - Number(b.seq));
    return items.map(storedPayment);
  }

  async recordedPayments(): Promise<Payment[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk',
      FilterExpression: '#s <> :pending',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':pk': 'PAYMENT', ':pending': 'pending' },
    });
    return items.map(storedPayment);
  }

  async paymentTarget(payment: Payment): Promise<{ pending: boolean; invoice: PayableInvoice | undefined }> {
    const out = await this.db.send(
      new TransactGetCommand({
        TransactItems: [
          { Get: { TableName: this.table, Key: { PK: 'PAYMENT', SK: payment.paymentId } } },
          { Get: { TableName: this.table, Key: { PK: 'INVOICE', SK: payment.invoiceNumber } } },
        ],
      }),
    );
    const [claim, invoice] = (out.Responses ?? []).map((r) => r.Item);
    return { pending: claim?.status === 'pending', invoice: invoice ? payableInvoice(invoice) : undefined };
  }
  async recordPayment(
    payment: Payment,
    applied: { invoice: PayableInvoice; amount: DecT; stillOpen: boolean } | undefined,
  ): Promise<RecordPaymentResult> {
    const claim = {
      Update: {
        TableName: this.table,
        Key: { PK: 'PAYMENT', SK: payment.paymentId },
        UpdateExpression: 'SET #s = :done',
        ConditionExpression: '#s = :pending',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':done': applied ? 'applied' : 'unapplied', ':pending': 'pending' },
      },
    };
    const items: NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']> = [claim];
    if (applied) {
      const number = applied.invoice.invoice.number;
      const entry: AppliedPayment = {
        paymentId: payment.paymentId,
        amount: applied.amount,
        receivedOn: payment.receivedOn,
      };
      items.push(
        {
          // The count is the invoice's version: a payment applied since it was read refuses this one.
          Update: {
            TableName: this.table,
            Key: { PK: 'INVOICE', SK: number },
            UpdateExpression: `SET paid = :paid, paymentCount = :next${applied.stillOpen ? '' : ' REMOVE GSI1PK, GSI1SK'}`,
            ConditionExpression: 'paymentCount = :count',
            ExpressionAttributeValues: {
              ':paid': decimalText(applied.invoice.paid.plus(applied.amount)),
              ':next': applied.invoice.paymentCount + 1,
              ':count': applied.invoice.paymentCount,
            },
          },
        },
        {
          Put: {
            TableName: this.table,
            Item: { PK: 'APPLIED', SK: `${number}#${payment.paymentId}`, invoice: number, data: encode(entry) },
            ConditionExpression: 'attribute_not_exists(PK)',
          },
        },
      );
    }
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      return 'recorded';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const codes = (error.CancellationReasons ?? []).map((r) => r.Code);
      if (codes[0] === 'ConditionalCheckFailed') return 'duplicate';
      // Another payment moved the invoice on, or another transaction held one of these items.
      if (codes[1] === 'ConditionalCheckFailed' || codes.includes('TransactionConflict')) return 'conflict';
      throw error;
    }
  }

  async recordPaymentFee(paymentId: string, fee: ProviderFee): Promise<'recorded' | 'known' | 'missing'> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { PK: 'PAYMENT', SK: paymentId },
          UpdateExpression: 'SET fee = :fee, feeCurrency = :currency',
          ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(fee)',
          ExpressionAttributeValues: { ':fee': decimalText(fee.amount), ':currency': fee.currency },
        }),
      );
      return 'recorded';
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return (await this.getItem('PAYMENT', paymentId, true)) ? 'known' : 'missing';
    }
  }
}

/** A PAYMENT item's payment, with the fee its own attributes carry (added after it, or with it). */
function storedPayment(item: Item): Payment {
  const payment = revivePayment(JSON.parse(String(item.data)) as Item);
  if (item.fee === undefined) return payment;
  return { ...payment, fee: new Dec(String(item.fee)), feeCurrency: String(item.feeCurrency) };
}

/**
 * The invoices: the gapless counter (COUNTER INVOICE), the claim per (client, period)
 * (INVOICEFOR), the invoice items (INVOICE; GSI1 lists the open ones) and their applied
 * payments (APPLIED, one item each).
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { InvoiceBook, IssueExtras, LedgerInvoice } from '../../../app/ports.js';
import type { IsoDate, Period } from '../../../domain/dates.js';
import type { AppliedPayment, Invoice, LateFee } from '../../../domain/billing-types.js';
import { appliedPayment, chargeKey, clientCreditKey, invoiceItem, lateFeeSk, ledgerInvoice } from './items.js';
import { Dec } from '../../../domain/money.js';
import { isConditionFailure, LedgerTable } from './table.js';

const OPEN_PAYMENT_READS = 8; // open invoices whose payments are queried at a time

export class DynamoDbInvoices extends LedgerTable implements InvoiceBook {
  async invoiceNumberFor(clientId: string, period: Period): Promise<string | undefined> {
    const item = await this.getItem(`CLIENT#${clientId}`, `INVOICEFOR#${period}`);
    return item ? String(item.number) : undefined;
  }

  async reserveInvoiceNumbers(period: Period, count: number): Promise<number> {
    const names = { '#v': 'value', '#r': `reserved#${period}` };
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const counter = await this.getItem('COUNTER', 'INVOICE', true);
      const reserved = counter?.[`reserved#${period}`] as { first: number; count: number } | undefined;
      if (reserved) {
        if (Number(reserved.count) !== count) {
          throw new Error(
            `The billing run of ${period} reserved ${String(reserved.count)} invoice numbers, not ${count}: its stored plan changed`,
          );
        }
        return Number(reserved.first);
      }
      const current = Number(counter?.value ?? 0);
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { PK: 'COUNTER', SK: 'INVOICE' },
            UpdateExpression: 'SET #v = :next, #r = :reserved',
            ConditionExpression: `(${current === 0 ? 'attribute_not_exists(#v) OR ' : ''}#v = :current) AND attribute_not_exists(#r)`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: {
              ':next': current + count,
              ':current': current,
              ':reserved': { first: current + 1, count },
            },
          }),
        );
        return current + 1;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // the counter moved, or a concurrent run reserved this period: read again
      }
    }
    throw new Error(`Could not reserve ${count} invoice numbers for ${period} after 20 attempts`);
  }

  async issueNumberedInvoice(invoice: Invoice, lateFees: readonly LateFee[], extras?: IssueExtras): Promise<boolean> {
    const claim = extras?.claim ?? invoice.period;
    const credits = await this.creditUpdates(extras?.credits ?? []);
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { PK: `CLIENT#${invoice.clientId}`, SK: `INVOICEFOR#${claim}`, number: invoice.number },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: invoiceItem(invoice),
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            ...lateFees.map((fee) => ({
              Update: {
                TableName: this.table,
                Key: { PK: `CLIENT#${fee.clientId}`, SK: lateFeeSk(fee) },
                UpdateExpression: 'SET billedOn = :n',
                ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(billedOn)',
                ExpressionAttributeValues: { ':n': invoice.number },
              },
            })),
            ...(extras?.charges ?? []).map((chargeId) => ({
              Update: {
                TableName: this.table,
                Key: chargeKey(invoice.clientId, chargeId),
                UpdateExpression: 'SET invoiceNumber = :n',
                ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(invoiceNumber)',
                ExpressionAttributeValues: { ':n': invoice.number },
              },
            })),
            ...credits.map((credit) => ({ Update: { TableName: this.table, ...credit } })),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const existing = await this.invoiceNumberFor(invoice.clientId, claim);
      if (existing === invoice.number) return false; // issued by an earlier attempt or a concurrent worker
      if (existing !== undefined)
        throw new Error(
          `${invoice.clientId} already has invoice ${existing} for ${claim}; ${invoice.number} was not issued`,
          { cause: error },
        );
      throw error;
    }
  }

  /**
   * Spending client credit: each credit's `remaining` as read now, lowered by what the invoice
   * spends, on condition that it is still what was read (a concurrent spend cancels the issue).
   */
  private async creditUpdates(credits: NonNullable<IssueExtras['credits']>) {
    return Promise.all(
      credits.map(async (credit) => {
        const key = clientCreditKey(credit.clientId, credit.creditNote);
        const item = await this.getItem(key.PK, key.SK, true);
        const before = String(item?.remaining ?? '0');
        if (new Dec(before).lessThan(credit.amount))
          throw new Error(
            `Client credit ${credit.creditNote} of ${credit.clientId} has ${before} left, less than the ${credit.amount.toString()} the invoice spends`,
          );
        return {
          Key: key,
          UpdateExpression: 'SET remaining = :after',
          ConditionExpression: 'remaining = :before',
          ExpressionAttributeValues: { ':before': before, ':after': new Dec(before).minus(credit.amount).toString() },
        };
      }),
    );
  }

  async getInvoice(number: string): Promise<LedgerInvoice | undefined> {
    const item = await this.getItem('INVOICE', number, true);
    return item ? ledgerInvoice(item, await this.appliedPayments(number)) : undefined;
  }

  async listInvoices(options?: { openOnly?: boolean }): Promise<LedgerInvoice[]> {
    const list = options?.openOnly ? await this.openInvoices() : await this.allInvoices();
    return list.sort((a, b) => (a.invoice.number < b.invoice.number ? -1 : 1));
  }

  /** Every invoice and every applied payment: two paginated queries, grouped here. */
  private async allInvoices(): Promise<LedgerInvoice[]> {
    const [items, applied] = await Promise.all([
      this.queryAll({ KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'INVOICE' } }),
      this.queryAll({ KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'APPLIED' } }),
    ]);
    const byInvoice = new Map<string, AppliedPayment[]>();
    for (const item of applied) {
      const number = String(item.invoice);
      const list = byInvoice.get(number) ?? [];
      list.push(appliedPayment(item));
      byInvoice.set(number, list);
    }
    return items.map((item) => ledgerInvoice(item, byInvoice.get(String(item.SK)) ?? []));
  }

  /** The open invoices (GSI1), and the payments of only those that have some. */
  private async openInvoices(): Promise<LedgerInvoice[]> {
    const items = await this.queryAll({
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :open',
      ExpressionAttributeValues: { ':open': 'OPEN' },
    });
    const out: LedgerInvoice[] = [];
    for (let i = 0; i < items.length; i += OPEN_PAYMENT_READS) {
      out.push(
        ...(await Promise.all(
          items
            .slice(i, i + OPEN_PAYMENT_READS)
            .map(async (item) =>
              ledgerInvoice(
                item,
                Number(item.paymentCount ?? 0) > 0 ? await this.appliedPayments(String(item.SK)) : [],
              ),
            ),
        )),
      );
    }
    return out;
  }

  /** The payments applied to one invoice, in pages: `PK=APPLIED, SK=<number>#<payment id>`. */
  private async appliedPayments(number: string): Promise<AppliedPayment[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :number)',
      ExpressionAttributeValues: { ':pk': 'APPLIED', ':number': `${number}#` },
    });
    return items.map(appliedPayment);
  }

  async disputeInvoice(number: string, on: IsoDate, reason?: string): Promise<void> {
    // As with the date, the first reason given is kept: a re-run or retry changes nothing.
    const withReason = reason !== undefined && reason !== '';
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { PK: 'INVOICE', SK: number },
        UpdateExpression: withReason
          ? 'SET disputedOn = if_not_exists(disputedOn, :on), disputeReason = if_not_exists(disputeReason, :reason)'
          : 'SET disputedOn = if_not_exists(disputedOn, :on)',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':on': on, ...(withReason ? { ':reason': reason } : {}) },
      }),
    );
  }
}

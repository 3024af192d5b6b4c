/**
 * Receipts: when `receipts.enabled` is set in trueup.json, the client gets one email per
 * applied payment saying what was received, what it paid and what is left. Off by default, so
 * a data folder without the setting sends exactly the emails it always did.
 *
 * Exactly once, like every email: the intent is recorded under `receipt#<paymentId>` (raw
 * message stored, outbox entry put conditionally) and one `deliver_email` message is queued for
 * the invoice workers. The payment path calls this before it records the payment, so a job that
 * dies in between finds the payment still pending on its retry and this entry already there (it
 * queues it again; the send lease keeps it to one send); a pending entry left behind is also sent
 * by the next run's outbox flush.
 */
import type { IsoDate } from '../domain/dates.js';
import { roundMoney, type Dec } from '../domain/money.js';
import type { Payment } from '../domain/billing-types.js';
import { receiptEmail } from '../render/emails.js';
import type { Deps, UseCaseDeps } from './deps.js';
import { deliverEmailMessage } from './messages.js';
import type { Outbox, PayableInvoice, ReferenceDataStore } from './ports.js';
import { prepareEmail } from './send-email.js';

export interface ReceiptRequest {
  readonly payment: Payment;
  /** The invoice and its running totals as they were before the payment. */
  readonly account: PayableInvoice;
  /** The part of the payment applied to it. */
  readonly applied: Dec;
  readonly today: IsoDate;
}

export function receiptKey(paymentId: string): string {
  return `receipt#${paymentId}`;
}

/** Records and queues the receipt of an applied payment, once; false when receipts are off or it was sent. */
/** What recording a receipt needs: the outbox and the stored message; the work queue sends it. */
export type ReceiptDeps = UseCaseDeps<ReferenceDataStore & Outbox> & Pick<Deps, 'artifacts' | 'workQueue'>;

export async function sendReceipt(deps: ReceiptDeps, request: ReceiptRequest): Promise<boolean> {
  // A refund (a negative payment applied back) is not a payment received: no receipt.
  if (request.applied.lessThanOrEqualTo(0)) return false;
  const reference = await deps.ledger.loadReferenceData();
  if (!reference?.settings.receipts?.enabled) return false;
  const key = receiptKey(request.payment.paymentId);
  const existing = await deps.ledger.getOutbox(key);
  if (existing && existing.status !== 'pending') return false;
  if (!existing) {
    const { invoice } = request.account;
    const client = reference.clients.find((c) => c.clientId === invoice.clientId);
    if (!client) return false;
    const before = roundMoney(invoice.total.minus(request.account.paid), invoice.currency);
    const entry = await prepareEmail(deps, {
      key,
      kind: 'receipt',
      date: request.today,
      from: reference.settings.msp.email,
      to: client.billingEmails,
      content: receiptEmail({
        settings: reference.settings,
        client,
        date: request.today,
        payment: request.payment,
        invoice,
        applied: request.applied,
        balance: before.minus(request.applied),
      }),
      invoices: [{ number: invoice.number }],
    });
    await deps.ledger.putOutbox(entry); // false: a concurrent run recorded it first; either message sends it once
  }
  await deps.workQueue.send([{ id: `email#${key}`, body: deliverEmailMessage(key) }]);
  return true;
}

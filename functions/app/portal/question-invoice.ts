/**
 * "Question this invoice" in the portal (docs/portal.md): the client says what is wrong; the
 * invoice is marked disputed through the same ledger method as a bank dispute (dunning stops for
 * disputed invoices), and the billing team (the report recipients) is emailed once per invoice.
 *
 * Exactly once, like the dispute alert (provider-events.ts): the message is stored and its outbox
 * entry put conditionally under `question#<number>`, then one `deliver_email` message is queued
 * for the invoice workers. Asking again finds the entry and sends nothing new (a still-pending
 * one is queued again); the first date and reason stay on the invoice.
 */
import type { IsoDate } from '../../domain/dates.js';
import type { Client, ReferenceData } from '../../domain/billing-types.js';
import { invoiceBalance } from '../../domain/invoice-balance.js';
import { invoiceQuestionEmail } from '../../render/question-email.js';
import type { UseCaseDeps } from '../deps.js';
import { deliverEmailMessage } from '../messages.js';
import type { InvoiceBook, LedgerInvoice, Outbox } from '../ports.js';
import { prepareEmail } from '../send-email.js';

export type QuestionDeps = UseCaseDeps<InvoiceBook & Outbox, 'artifacts' | 'workQueue'>;

/** The longest question kept (a form field, not a letter). */
export const MAX_QUESTION_CHARS = 2000;

export function questionKey(invoiceNumber: string): string {
  return `question#${invoiceNumber}`;
}

/**
 * The client's words made safe to keep: line breaks normalized, other control characters
 * dropped, trimmed and cut to MAX_QUESTION_CHARS. Empty: nothing was said.
 */
export function cleanQuestion(text: string): string {
  return (
    text
      .replace(/\r\n?/g, '\n')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, ' ')
      .trim()
      .slice(0, MAX_QUESTION_CHARS)
      .trim()
  );
}

/**
 * Marks `account`'s invoice disputed with the client's reason and alerts the billing team once.
 * Returns whether this call recorded the alert (false: it was asked before).
 */
export async function questionInvoice(
  deps: QuestionDeps,
  reference: ReferenceData,
  client: Client,
  account: LedgerInvoice,
  reason: string,
  on: IsoDate,
): Promise<boolean> {
  const { invoice } = account;
  await deps.ledger.disputeInvoice(invoice.number, on, `Questioned by the client in the portal: ${reason}`);
  const { settings } = reference;
  const key = questionKey(invoice.number);
  const existing = await deps.ledger.getOutbox(key);
  if (existing && existing.status !== 'pending') return false;
  let recorded = false;
  if (!existing) {
    const entry = await prepareEmail(deps, {
      key,
      kind: 'invoice_questioned',
      date: on,
      from: settings.msp.email,
      to: settings.reports.recipients,
      content: invoiceQuestionEmail({
        settings,
        invoiceNumber: invoice.number,
        clientId: client.clientId,
        clientName: client.name,
        clientEmails: client.billingEmails,
        total: invoice.total,
        balance: invoiceBalance(account, on).balance,
        currency: invoice.currency,
        reason,
        on,
      }),
      invoices: [{ number: invoice.number }],
    });
    recorded = await deps.ledger.putOutbox(entry); // false: a concurrent question recorded it first; one send either way
  }
  await deps.workQueue.send([{ id: `email#${key}`, body: deliverEmailMessage(key) }]);
  return recorded;
}

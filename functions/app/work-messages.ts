/**
 * The work queue's messages and their handler, shared by the invoice worker Lambda and the
 * embedded runtime's drain: `issue_invoice` (from the billing run: write the planned invoice
 * with its reserved number, then deliver it) and `deliver_invoice` (render and email an issued
 * invoice again, e.g. from the CLI). Both are idempotent: a redelivered message issues and
 * sends nothing twice.
 */
import type { Deps } from './deps.js';
import { deliverInvoice } from './deliver-invoice.js';
import { plannedInvoice, type IssueInvoiceMessage } from './run-billing.js';

export interface DeliverInvoiceMessage {
  readonly type: 'deliver_invoice';
  readonly number: string;
}

export type WorkMessage = IssueInvoiceMessage | DeliverInvoiceMessage;

export async function issueInvoice(deps: Deps, message: IssueInvoiceMessage): Promise<void> {
  const { invoice, lateFees } = plannedInvoice(message);
  const issued = await deps.ledger.issueNumberedInvoice(invoice, lateFees);
  if (!issued) deps.log.info('invoice issued before: delivering it', { number: invoice.number });
  await deliverInvoice(deps, { number: invoice.number });
}

export async function handleWorkMessage(deps: Deps, message: WorkMessage): Promise<void> {
  if (message.type === 'issue_invoice') await issueInvoice(deps, message);
  else if (message.type === 'deliver_invoice') await deliverInvoice(deps, { number: message.number });
  else throw new Error(`Unknown work message type ${JSON.stringify((message as { type?: unknown }).type)}`);
}

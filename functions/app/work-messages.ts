/**
 * The handler of the work queue's messages (their contract: messages.ts), shared by the invoice worker Lambda and the
 * embedded runtime's drain: `issue_invoice` (from the billing run: write the planned invoice
 * with its reserved number, then deliver it), `deliver_invoice` (render and email an issued
 * invoice again, e.g. from the CLI), `deliver_email` (send an email whose intent is
 * recorded, e.g. a dunning email) and `render_draft` (a draft held for review, rendered DRAFT).
 * All are idempotent: a redelivered message issues and sends nothing twice.
 */
import { deliverInvoice, type DeliverInvoiceDeps } from './deliver-invoice.js';
import type { Invoice } from '../domain/billing-types.js';
import type { IssueInvoiceMessage, WorkMessage } from './messages.js';
import type { UseCaseDeps } from './deps.js';
import { SYSTEM_ACTOR, type DiscrepancyStore, type IssueExtras } from './ports.js';
import { plannedInvoice } from './run-billing.js';
import { completeIfRecorded, type SendDeps } from './send-email.js';
import { renderDraft } from './render-draft.js';

/** What the work queue's messages need: delivering invoices, and closing the discrepancies their lines carry. */
export type WorkDeps = DeliverInvoiceDeps & UseCaseDeps<DiscrepancyStore>;

export async function issueInvoice(deps: WorkDeps, message: IssueInvoiceMessage): Promise<void> {
  const { invoice, lateFees } = plannedInvoice(message);
  const issued = await deps.ledger.issueNumberedInvoice(invoice, lateFees, issueExtras(invoice, message.claim));
  if (!issued) deps.log.info('invoice issued before: delivering it', { number: invoice.number });
  // Also on a retry: the attempt that issued the invoice may have stopped before this.
  if (message.closes?.length)
    await deps.ledger.closeDiscrepancies(
      message.closes.map((c) => ({
        id: c.id,
        status: c.status,
        invoiceNumber: invoice.number,
        invoiceLine: c.line,
        on: invoice.issueDate,
        by: c.by ?? SYSTEM_ACTOR,
      })),
    );
  await deliverInvoice(deps, {
    number: invoice.number,
    justIssued: issued,
    ...(message.usage ? { usage: message.usage } : {}),
  });
}

/** The charges an invoice bills and the client credit it spends, read off its lines. */
export function issueExtras(invoice: Invoice, claim?: string): IssueExtras {
  const charges = invoice.lines.flatMap((l) => (l.kind === 'charge' && l.chargeId ? [l.chargeId] : []));
  const credits = invoice.lines.flatMap((l) =>
    l.kind === 'client_credit' && l.creditNote
      ? [{ creditNote: l.creditNote, clientId: invoice.clientId, amount: l.amount.negated() }]
      : [],
  );
  return {
    ...(charges.length > 0 ? { charges } : {}),
    ...(credits.length > 0 ? { credits } : {}),
    ...(claim ? { claim } : {}),
  };
}

/** Sends a recorded email unless it is sent already (or being sent by another worker). */
export async function deliverEmail(deps: SendDeps, key: string): Promise<void> {
  if (!(await completeIfRecorded(deps, key))) throw new Error(`No email recorded under ${key}`);
}

export async function handleWorkMessage(deps: WorkDeps, message: WorkMessage): Promise<void> {
  if (message.type === 'issue_invoice') await issueInvoice(deps, message);
  else if (message.type === 'deliver_invoice') await deliverInvoice(deps, { number: message.number });
  else if (message.type === 'deliver_email') await deliverEmail(deps, message.key);
  else if (message.type === 'render_draft') await renderDraft(deps, message);
  else throw new Error(`Unknown work message type ${JSON.stringify((message as { type?: unknown }).type)}`);
}

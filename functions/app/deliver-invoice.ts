/**
 * The invoice worker: renders one issued invoice (JSON, HTML, PDF into the artifacts bucket)
 * and emails it with the PDF attached. Keyed by invoice number, so a redelivered message
 * renders nothing again once the email is recorded, and sends nothing twice.
 */
import { invoiceBalance } from '../domain/invoice-balance.js';
import { Dec } from '../domain/money.js';
import type { Client, Settings } from '../domain/billing-types.js';
import { invoiceEmail } from '../render/emails.js';
import type { InvoiceView } from '../render/email-content.js';
import { renderInvoiceHtml } from '../render/invoice-html.js';
import { renderInvoicePdf } from '../render/invoice-pdf.js';
import type { Deps, UseCaseDeps } from './deps.js';
import { invoiceJson } from './invoice-json.js';
import { payLinkFor } from './pay-links.js';
import { addPortalLink } from './portal/email-links.js';
import type { IssueInvoiceMessage } from './messages.js';
import type { InvoiceBook, LedgerInvoice } from './ports.js';
import { invoiceKey, readReconciliation, reconciliationKey } from './bucket-layout.js';
import { pairsFromJson } from './reconciliation-json.js';
import { requireReference } from './run-billing.js';
import { completeIfRecorded, clientSender, recordAndSend, type SendDeps } from './send-email.js';

type CarriedUsage = NonNullable<IssueInvoiceMessage['usage']>;

/** What delivering an invoice needs: the invoice, its rendered files' bucket, sending, and the Pay link's wiring. */
export type DeliverInvoiceDeps = SendDeps & UseCaseDeps<InvoiceBook, 'artifacts' | 'payments' | 'portal'>;

/**
 * `usage`: what the invoice shows under its true-up and credit lines, when the billing plan
 * carried it (an `issue_invoice` message); otherwise it is read from the period's
 * reconciliation. `justIssued`: this very call's transaction issued the invoice, so no email
 * of it can be recorded yet (one is recorded only after the invoice is issued) and the outbox
 * is not read.
 */
export async function deliverInvoice(
  deps: DeliverInvoiceDeps,
  input: { number: string; usage?: CarriedUsage; justIssued?: boolean },
): Promise<void> {
  // Once its email is recorded, the invoice as rendered and sent is what is stored: a redelivery
  // after the reference data changed (a client renamed, a new MSP address) must not rewrite the
  // HTML and PDF of an issued invoice (docs/contract.md §5: it never changes).
  if (!input.justIssued && (await completeIfRecorded(deps, `invoice#${input.number}`))) return;
  const reference = await requireReference(deps);
  const account = await deps.ledger.getInvoice(input.number);
  if (!account) throw new Error(`Invoice ${input.number} does not exist`);
  const { invoice } = account;
  const client = reference.clients.find((c) => c.clientId === invoice.clientId);
  if (!client)
    throw new Error(`Invoice ${invoice.number} names client ${invoice.clientId}, which is not in the reference data`);
  // The Pay link only when trueup.json turns payments on and something takes them (docs/auto-pay.md).
  const payUrl = await payLinkFor(deps, reference.settings, invoice);
  const view = {
    ...(await invoiceView(deps, account, client, reference.settings, invoice.issueDate, input.usage)),
    ...(reference.logo ? { logo: reference.logo } : {}),
    ...(payUrl ? { payUrl } : {}),
  };
  const pdf = await renderInvoicePdf(view);
  await deps.artifacts.put(
    invoiceKey(invoice.number, 'json'),
    JSON.stringify(invoiceJson(account, invoice.issueDate), null, 1),
    'application/json',
  );
  await deps.artifacts.put(invoiceKey(invoice.number, 'html'), renderInvoiceHtml(view), 'text/html; charset=utf-8');
  await deps.artifacts.put(invoiceKey(invoice.number, 'pdf'), pdf, 'application/pdf');
  await recordAndSend(deps, {
    key: `invoice#${invoice.number}`,
    kind: 'invoice',
    date: invoice.issueDate,
    from: clientSender(reference.settings),
    to: client.billingEmails,
    content: await addPortalLink(deps, reference.settings, client.clientId, invoice.issueDate, invoiceEmail(view, pdf)),
    invoices: [{ number: invoice.number }],
  });
}

export async function invoiceView(
  deps: Pick<Deps, 'artifacts'>,
  account: LedgerInvoice,
  client: Client,
  settings: Settings,
  asOf: string,
  carried?: CarriedUsage,
): Promise<InvoiceView> {
  const { balance, paid, status } = invoiceBalance(account, asOf);
  return {
    invoice: account.invoice,
    client,
    settings,
    balance,
    paid,
    status,
    usage: await usageBehind(deps, account, carried),
  };
}

/** used vs contracted per sku for the invoice's true-up and credit lines. */
async function usageBehind(
  deps: Pick<Deps, 'artifacts'>,
  account: LedgerInvoice,
  carried: CarriedUsage | undefined,
): Promise<Record<string, { used: Dec; contracted: Dec }>> {
  const { invoice } = account;
  if (!invoice.lines.some((l) => l.kind === 'true_up' || l.kind === 'credit')) return {};
  if (carried) return revivedUsage(carried);
  const json = await readReconciliation(deps.artifacts, reconciliationKey(invoice.period));
  if (!json) return {};
  const usage: Record<string, { used: Dec; contracted: Dec }> = {};
  for (const pair of pairsFromJson(json, [])) {
    if (pair.clientId === invoice.clientId) usage[pair.sku] = { used: pair.used, contracted: pair.contracted };
  }
  return usage;
}

function revivedUsage(carried: CarriedUsage): Record<string, { used: Dec; contracted: Dec }> {
  const usage: Record<string, { used: Dec; contracted: Dec }> = {};
  for (const [sku, { used, contracted }] of Object.entries(carried))
    usage[sku] = { used: new Dec(used), contracted: new Dec(contracted) };
  return usage;
}

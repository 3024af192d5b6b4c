/**
 * The invoice worker: renders one issued invoice (JSON, HTML, PDF into the artifacts bucket)
 * and emails it with the PDF attached. Keyed by invoice number, so a redelivered message
 * renders nothing again once the email is recorded, and sends nothing twice.
 */
import { invoiceBalance } from '../domain/invoice-balance.js';
import { Dec } from '../domain/money.js';
import type { Client, Settings } from '../domain/types.js';
import { invoiceEmail } from '../render/emails.js';
import type { InvoiceView } from '../render/email-content.js';
import { renderInvoiceHtml } from '../render/invoice-html.js';
import { renderInvoicePdf } from '../render/invoice-pdf.js';
import type { Deps } from './deps.js';
import { invoiceJson } from './invoice-json.js';
import type { IssueInvoiceMessage } from './messages.js';
import type { LedgerInvoice } from './ports.js';
import { pairsFromJson, reconciliationKey, type ReconciliationJson } from './reconciliation-json.js';
import { requireReference } from './run-billing.js';
import { alreadyRecorded, clientSender, recordAndSend } from './send-email.js';

type CarriedUsage = NonNullable<IssueInvoiceMessage['usage']>;

/**
 * `usage`: what the invoice shows under its true-up and credit lines, when the billing plan
 * carried it (an `issue_invoice` message); otherwise it is read from the period's
 * reconciliation.
 */
export async function deliverInvoice(deps: Deps, input: { number: string; usage?: CarriedUsage }): Promise<void> {
  // Once its email is recorded, the invoice as rendered and sent is what is stored: a redelivery
  // after the reference data changed (a client renamed, a new MSP address) must not rewrite the
  // HTML and PDF of an issued invoice (SPEC.md section 5: it never changes).
  if (await alreadyRecorded(deps, `invoice#${input.number}`)) return;
  const reference = await requireReference(deps);
  const account = await deps.ledger.getInvoice(input.number);
  if (!account) throw new Error(`Invoice ${input.number} does not exist`);
  const { invoice } = account;
  const client = reference.clients.find((c) => c.clientId === invoice.clientId);
  if (!client) throw new Error(`Invoice ${invoice.number} names client ${invoice.clientId}, which is not in the reference data`);
  const view = { ...await invoiceView(deps, account, client, reference.settings, invoice.issueDate, input.usage), ...(reference.logo ? { logo: reference.logo } : {}) };
  const pdf = await renderInvoicePdf(view);
  const base = `invoices/${invoice.number}`;
  await deps.artifacts.put(`${base}.json`, JSON.stringify(invoiceJson(account, invoice.issueDate), null, 1), 'application/json');
  await deps.artifacts.put(`${base}.html`, renderInvoiceHtml(view), 'text/html; charset=utf-8');
  await deps.artifacts.put(`${base}.pdf`, pdf, 'application/pdf');
  await recordAndSend(deps, {
    key: `invoice#${invoice.number}`, kind: 'invoice', date: invoice.issueDate, from: clientSender(reference.settings),
    to: client.billingEmails, content: invoiceEmail(view, pdf), invoices: [{ number: invoice.number }],
  });
}

export async function invoiceView(deps: Deps, account: LedgerInvoice, client: Client, settings: Settings, asOf: string, carried?: CarriedUsage): Promise<InvoiceView> {
  const { balance, paid, status } = invoiceBalance(account, asOf);
  return { invoice: account.invoice, client, settings, balance, paid, status, usage: await usageBehind(deps, account, carried) };
}

/** used vs contracted per sku for the invoice's true-up and credit lines. */
async function usageBehind(deps: Deps, account: LedgerInvoice, carried: CarriedUsage | undefined): Promise<Record<string, { used: Dec; contracted: Dec }>> {
  const { invoice } = account;
  if (!invoice.lines.some((l) => l.kind === 'true_up' || l.kind === 'credit')) return {};
  if (carried) return revivedUsage(carried);
  const stored = await deps.artifacts.get(reconciliationKey(invoice.period));
  if (!stored) return {};
  const json = JSON.parse(new TextDecoder().decode(stored)) as ReconciliationJson;
  const usage: Record<string, { used: Dec; contracted: Dec }> = {};
  for (const pair of pairsFromJson(json, [])) {
    if (pair.clientId === invoice.clientId) usage[pair.sku] = { used: pair.used, contracted: pair.contracted };
  }
  return usage;
}

function revivedUsage(carried: CarriedUsage): Record<string, { used: Dec; contracted: Dec }> {
  const usage: Record<string, { used: Dec; contracted: Dec }> = {};
  for (const [sku, { used, contracted }] of Object.entries(carried)) usage[sku] = { used: new Dec(used), contracted: new Dec(contracted) };
  return usage;
}

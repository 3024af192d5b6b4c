/**
 * Statements of account (docs/statements.md): per client as of a date, every open invoice, the
 * unspent client credit and the payments received in that month, with the balance per
 * currency, as HTML and PDF, emailed once per client per as-of date (outbox key
 * `statement#<client>#<date>`). A client with nothing open and no payment that month gets none.
 *
 * Exactly once, like every email: the statement is rendered and stored, the raw message stored
 * and its outbox entry put conditionally, then one `deliver_email` message is queued for the
 * invoice workers (they send under the SES rate limit). A re-run finds the entry: it stores
 * nothing again (what was sent stays what is stored) and queues a still-pending one again.
 */
import { daysBetween, firstDay, periodOf, type IsoDate } from '../domain/dates.js';
import type { Client, ClientCredit, InvoiceAccount, ReferenceData } from '../domain/billing-types.js';
import { invoiceBalance } from '../domain/invoice-balance.js';
import { statementEmail, statementFilename } from '../render/statement-email.js';
import { renderStatementHtml } from '../render/statement-html.js';
import { isEmptyStatement, type Statement, type StatementView } from '../render/statement-model.js';
import { renderStatementPdf } from '../render/statement-pdf.js';
import { statementKey } from './bucket-layout.js';
import type { UseCaseDeps } from './deps.js';
import { deliverEmailMessage } from './messages.js';
import { payLinkFor } from './pay-links.js';
import { addPortalLink } from './portal/email-links.js';
import type { CreditNoteBook, InvoiceBook, Outbox, ReferenceDataStore } from './ports.js';
import { requireReference } from './run-billing.js';
import { clientSender, prepareEmail } from './send-email.js';

/** What sending statements needs: invoices, client credit, the outbox and its stored messages, the work queue. */
export type StatementDeps = UseCaseDeps<
  ReferenceDataStore & InvoiceBook & CreditNoteBook & Outbox,
  'artifacts' | 'workQueue' | 'payments' | 'portal'
>;

/** A request the user can fix (an unknown client): the CLI prints its message. */
export class StatementError extends Error {}

export function statementEmailKey(clientId: string, asOf: IsoDate): string {
  return `statement#${clientId}#${asOf}`;
}

/**
 * The statement of one client as of `asOf`, from its invoices (with their applied payments) and
 * its unspent credit. Pure: what the ledger held is given.
 */
export function statementOf(input: {
  clientId: string;
  asOf: IsoDate;
  accounts: readonly InvoiceAccount[];
  credits: readonly ClientCredit[];
}): Statement {
  const { clientId, asOf } = input;
  const monthStart = firstDay(periodOf(asOf));
  const mine = input.accounts
    .filter((a) => a.invoice.clientId === clientId && a.invoice.issueDate <= asOf)
    .sort((a, b) => (a.invoice.number < b.invoice.number ? -1 : a.invoice.number > b.invoice.number ? 1 : 0));
  const invoices = mine.flatMap((account) => {
    const { invoice } = account;
    const { balance, status } = invoiceBalance(account, asOf);
    if (status === 'void' || balance.lessThanOrEqualTo(0)) return [];
    return [
      {
        number: invoice.number,
        issueDate: invoice.issueDate,
        dueDate: invoice.dueDate,
        currency: invoice.currency,
        total: invoice.total,
        settled: invoice.total.minus(balance),
        balance,
        daysOverdue: daysBetween(invoice.dueDate, asOf),
        disputed: account.disputedOn !== undefined && account.disputedOn <= asOf,
      },
    ];
  });
  const payments = mine
    .flatMap((account) =>
      account.payments
        .filter((p) => p.creditNote === undefined && p.receivedOn >= monthStart && p.receivedOn <= asOf)
        .map((p) => ({
          paymentId: p.paymentId,
          invoiceNumber: account.invoice.number,
          currency: account.invoice.currency,
          amount: p.amount,
          receivedOn: p.receivedOn,
        })),
    )
    .sort((a, b) =>
      a.receivedOn < b.receivedOn ? -1 : a.receivedOn > b.receivedOn ? 1 : a.paymentId < b.paymentId ? -1 : 1,
    );
  const credits = input.credits
    .filter((c) => c.clientId === clientId && c.issuedOn <= asOf && c.amount.greaterThan(0))
    .map((c) => ({ creditNote: c.creditNote, currency: c.currency, amount: c.amount, issuedOn: c.issuedOn }));
  return { clientId, asOf, month: periodOf(asOf), invoices, credits, payments };
}

/** A client's statement as of `asOf`, read from the ledger (`accounts`: every invoice, when already read). */
export async function loadStatementView(
  deps: UseCaseDeps<InvoiceBook & CreditNoteBook>,
  reference: ReferenceData,
  client: Client,
  asOf: IsoDate,
  accounts?: readonly InvoiceAccount[],
): Promise<StatementView> {
  const statement = statementOf({
    clientId: client.clientId,
    asOf,
    accounts: accounts ?? (await deps.ledger.listInvoices()),
    credits: await deps.ledger.clientCredits(client.clientId),
  });
  return {
    statement,
    client,
    settings: reference.settings,
    ...(reference.logo ? { logo: reference.logo } : {}),
  };
}

/** The statement PDF to attach to an email, and its file name. */
export async function statementAttachment(view: StatementView): Promise<{ filename: string; content: Buffer }> {
  return {
    filename: statementFilename(view.client.clientId, view.statement.asOf),
    content: await renderStatementPdf(view),
  };
}

export interface StatementsResult {
  /** Clients whose statement this run recorded (queued for sending). */
  readonly sent: readonly string[];
  /** Clients whose statement of this date was recorded before (a pending one is queued again). */
  readonly already: readonly string[];
  /** Clients with nothing open and no payment in the month: no statement. */
  readonly nothing: readonly string[];
}

/** Emails the statements of `asOf`, to every client or to `clientId` only, once per client and date. */
export async function sendStatements(
  deps: StatementDeps,
  input: { asOf: IsoDate; clientId?: string },
): Promise<StatementsResult> {
  const reference = await requireReference(deps);
  const clients = reference.clients.filter((c) => input.clientId === undefined || c.clientId === input.clientId);
  if (input.clientId !== undefined && clients.length === 0)
    throw new StatementError(`No client ${JSON.stringify(input.clientId)} (see clients.csv).`);
  let accounts: Promise<readonly InvoiceAccount[]> | undefined;
  const sent: string[] = [];
  const already: string[] = [];
  const nothing: string[] = [];
  const queued: string[] = [];
  for (const client of [...clients].sort((a, b) => (a.clientId < b.clientId ? -1 : 1))) {
    const key = statementEmailKey(client.clientId, input.asOf);
    const existing = await deps.ledger.getOutbox(key);
    if (existing) {
      already.push(client.clientId);
      if (existing.status === 'pending') queued.push(key);
      continue;
    }
    const view = await loadStatementView(
      deps,
      reference,
      client,
      input.asOf,
      await (accounts ??= deps.ledger.listInvoices()),
    );
    if (isEmptyStatement(view.statement)) {
      nothing.push(client.clientId);
      continue;
    }
    if (await recordStatement(deps, reference, view, key)) {
      sent.push(client.clientId);
      queued.push(key);
    } else already.push(client.clientId); // a concurrent run recorded it first; its message sends it
  }
  await deps.workQueue.send(queued.map((key) => ({ id: `email#${key}`, body: deliverEmailMessage(key) })));
  return { sent, already, nothing };
}

/** Renders and stores the statement, then records its email; false when another run recorded it first. */
async function recordStatement(
  deps: StatementDeps,
  reference: ReferenceData,
  view: StatementView,
  key: string,
): Promise<boolean> {
  const { statement: s, client } = view;
  const pdf = await renderStatementPdf(view);
  await deps.artifacts.put(
    statementKey(s.asOf, client.clientId, 'html'),
    renderStatementHtml(view),
    'text/html; charset=utf-8',
  );
  await deps.artifacts.put(statementKey(s.asOf, client.clientId, 'pdf'), pdf, 'application/pdf');
  const payUrls = new Map<string, string>();
  for (const invoice of s.invoices.filter((i) => !i.disputed)) {
    const url = await payLinkFor(deps, reference.settings, invoice);
    if (url !== undefined) payUrls.set(invoice.number, url);
  }
  const entry = await prepareEmail(deps, {
    key,
    kind: 'statement',
    date: s.asOf,
    from: clientSender(reference.settings),
    to: client.billingEmails,
    content: await addPortalLink(deps, reference.settings, client.clientId, s.asOf, statementEmail(view, pdf, payUrls)),
    invoices: s.invoices.map((i) => ({ number: i.number })),
  });
  return deps.ledger.putOutbox(entry);
}

/**
 * The scheduled run (daily on AWS, each simulated day locally): sends the statements as of
 * today when today is `statements.dayOfMonth` in trueup.json; does nothing otherwise, or when
 * statements are off.
 */
export async function scheduledStatements(
  deps: StatementDeps,
  input: { today: IsoDate },
): Promise<StatementsResult | undefined> {
  const settings = (await requireReference(deps)).settings.statements;
  if (!settings || Number(input.today.slice(8, 10)) !== settings.dayOfMonth) return undefined;
  return sendStatements(deps, { asOf: input.today });
}

/**
 * What the publisher pushes to the books (docs/accounting.md, "Publishing"): the ledger's
 * invoices, credit notes and recorded payments turned into the `Books*` documents of
 * books-ports.ts, dated on or after `publish.from` and on or before the run's day. Pure.
 *
 * - Invoices by issue date (void ones too: they were issued, and their void credit note
 *   follows), credit notes by issue date, each with lines on the chart of accounts as the
 *   journal posts them (domain/journal.ts `lineAccount`).
 * - A payment as the part its invoice took (the invoice's applied entries with the payment's
 *   id), positive. Refunds, money no invoice took and card surcharges are not pushed: they are
 *   listed in `notPublished` with the reason, so `trueup accounting status` shows them.
 * - The customers of those documents, from clients.csv.
 */
import { lineAccount } from '../domain/journal.js';
import type { IsoDate } from '../domain/dates.js';
import { ZERO, sum, type Dec } from '../domain/money.js';
import type {
  AccountingSettings,
  Client,
  CreditNote,
  InvoiceAccount,
  InvoiceLine,
  Payment,
  Product,
} from '../domain/billing-types.js';
import type { BooksCreditNote, BooksCustomer, BooksInvoice, BooksLine, BooksPayment } from './books-ports.js';

/** Money the publisher leaves to the billing team, and why. */
export interface NotPublished {
  readonly kind: 'refund' | 'unapplied' | 'surcharge';
  /** The payment id. */
  readonly key: string;
  readonly clientId: string;
  readonly date: IsoDate;
  readonly currency: string;
  /** Positive: the money concerned. */
  readonly amount: Dec;
  readonly reason: string;
}

export interface BooksDocuments {
  /** By client id. */
  readonly customers: readonly BooksCustomer[];
  /** By number. */
  readonly invoices: readonly BooksInvoice[];
  /** By number. */
  readonly creditNotes: readonly BooksCreditNote[];
  /** By date received, then id. */
  readonly payments: readonly BooksPayment[];
  readonly notPublished: readonly NotPublished[];
}

export interface BooksDocumentsInput {
  readonly from: IsoDate;
  readonly today: IsoDate;
  readonly accounts: AccountingSettings;
  /** Where payments are deposited: `publish.paymentAccount`, else `undepositedFunds`. */
  readonly paymentAccount?: string;
  readonly clients: readonly Client[];
  readonly products: readonly Product[];
  readonly invoices: readonly InvoiceAccount[];
  readonly creditNotes: readonly CreditNote[];
  /** The payments whose outcome is recorded (PaymentBook.recordedPayments). */
  readonly payments: readonly Payment[];
}

export function booksDocuments(input: BooksDocumentsInput): BooksDocuments {
  const within = (date: IsoDate): boolean => date >= input.from && date <= input.today;
  const clients = new Map(input.clients.map((c) => [c.clientId, c]));
  const accounts = invoiceLineAccounts(input);
  const byNumber = new Map(input.invoices.map((a) => [a.invoice.number, a]));
  const invoices = input.invoices
    .filter((a) => within(a.invoice.issueDate))
    .map((a) => booksInvoice(a, clients.get(a.invoice.clientId), accounts))
    .sort((a, b) => compare(a.number, b.number));
  const creditNotes = input.creditNotes
    .filter((n) => within(n.issueDate))
    .map((n) => booksCreditNote(n, byNumber.get(n.invoiceNumber), clients.get(n.clientId), accounts))
    .sort((a, b) => compare(a.number, b.number));
  const received = input.payments
    .filter((p) => within(p.receivedOn) && !p.amount.isZero())
    .sort((a, b) => compare(a.receivedOn, b.receivedOn) || compare(a.paymentId, b.paymentId))
    .map((p) =>
      paymentParts(p, byNumber.get(p.invoiceNumber), input.paymentAccount ?? input.accounts.undepositedFunds),
    );
  const payments = received.flatMap((r) => (r.payment ? [r.payment] : []));
  const customers = customersOf([...invoices, ...creditNotes, ...payments], clients);
  return { customers, invoices, creditNotes, payments, notPublished: received.flatMap((r) => r.notPublished) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Accounts as the journal posts them: an invoice line's, and a product's income (`defaultIncome` without one). */
interface LineAccounts {
  line(line: InvoiceLine): string;
  income(sku?: string): string;
}

function invoiceLineAccounts(input: BooksDocumentsInput): LineAccounts {
  const bySku = new Map(input.products.map((p) => [p.sku, p.incomeAccount]));
  const income = (sku?: string): string =>
    (sku === undefined ? undefined : bySku.get(sku)) ?? input.accounts.defaultIncome;
  return { income, line: (line) => lineAccount(line, input.accounts, income) };
}

/** Late fees and client credit are never taxed; a charge may be added untaxed; every other line is. */
function taxable(line: InvoiceLine): boolean {
  return line.kind !== 'late_fee' && line.kind !== 'client_credit' && line.taxable !== false;
}

function booksInvoice(account: InvoiceAccount, client: Client | undefined, accounts: LineAccounts): BooksInvoice {
  const { invoice } = account;
  const lines: BooksLine[] = invoice.lines.map((line) => ({
    description: line.description,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
    amount: line.amount,
    account: accounts.line(line),
    taxable: taxable(line),
    ...(line.sku === undefined ? {} : { sku: line.sku }),
  }));
  return {
    number: invoice.number,
    clientId: invoice.clientId,
    period: invoice.period,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate,
    currency: invoice.currency,
    lines,
    taxRatePercent: client?.taxRate ?? ZERO,
    tax: invoice.tax,
    total: invoice.total,
  };
}

/** A credited invoice line keeps its account (as in the journal); a credit by amount posts by its sku. */
function booksCreditNote(
  note: CreditNote,
  invoice: InvoiceAccount | undefined,
  client: Client | undefined,
  accounts: LineAccounts,
): BooksCreditNote {
  const lines: BooksLine[] = note.lines.map((line) => {
    const credited = line.invoiceLine === undefined ? undefined : invoice?.invoice.lines[line.invoiceLine - 1];
    return {
      description: line.description,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      amount: line.amount,
      account: credited ? accounts.line(credited) : accounts.income(line.sku),
      taxable: line.taxable,
      ...(line.sku === undefined ? {} : { sku: line.sku }),
    };
  });
  return {
    number: note.number,
    clientId: note.clientId,
    issueDate: note.issueDate,
    currency: note.currency,
    invoiceNumber: note.invoiceNumber,
    lines,
    taxRatePercent: client?.taxRate ?? ZERO,
    tax: note.tax,
    total: note.total,
    applied: note.applied,
  };
}

/** A payment's applied part (published) and what is left to the billing team. */
function paymentParts(
  payment: Payment,
  account: InvoiceAccount | undefined,
  depositTo: string,
): { payment?: BooksPayment; notPublished: NotPublished[] } {
  const clientId = account?.invoice.clientId ?? '';
  const left = (kind: NotPublished['kind'], amount: Dec, reason: string): NotPublished => ({
    kind,
    key: payment.paymentId,
    clientId,
    date: payment.receivedOn,
    currency: payment.currency,
    amount,
    reason,
  });
  const surcharge =
    payment.surcharge && !payment.surcharge.isZero()
      ? [left('surcharge', payment.surcharge, `card surcharge paid on top of ${payment.invoiceNumber} (post by hand)`)]
      : [];
  if (payment.amount.isNegative())
    return {
      notPublished: [
        left('refund', payment.amount.negated(), `refund on ${payment.invoiceNumber} (post by hand)`),
        ...surcharge,
      ],
    };
  const applied = sum(
    (account?.payments ?? [])
      .filter((p) => p.paymentId === payment.paymentId && p.creditNote === undefined)
      .map((p) => p.amount),
  );
  const unapplied = payment.amount.minus(applied);
  const notPublished = [
    ...(unapplied.greaterThan(0)
      ? [
          left(
            'unapplied',
            unapplied,
            account
              ? `received above the balance of ${payment.invoiceNumber}, unapplied (post by hand)`
              : `no invoice ${payment.invoiceNumber} in TrueUp, unapplied (post by hand)`,
          ),
        ]
      : []),
    ...surcharge,
  ];
  if (!account || !applied.greaterThan(0)) return { notPublished };
  return {
    payment: {
      id: payment.paymentId,
      clientId,
      invoiceNumber: payment.invoiceNumber,
      receivedOn: payment.receivedOn,
      currency: account.invoice.currency,
      amount: applied,
      account: depositTo,
    },
    notPublished,
  };
}

/** One customer per client the documents name, by client id; a client gone from clients.csv keeps its id as name. */
function customersOf(
  documents: readonly { clientId: string; currency: string }[],
  clients: ReadonlyMap<string, Client>,
): BooksCustomer[] {
  const seen = new Map<string, BooksCustomer>();
  for (const doc of documents) {
    if (seen.has(doc.clientId)) continue;
    const client = clients.get(doc.clientId);
    const email = client?.billingEmails[0];
    seen.set(doc.clientId, {
      clientId: doc.clientId,
      name: client?.name ?? doc.clientId,
      currency: client?.currency ?? doc.currency,
      ...(email === undefined ? {} : { email }),
    });
  }
  return [...seen.values()].sort((a, b) => compare(a.clientId, b.clientId));
}

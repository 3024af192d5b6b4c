/**
 * The double-entry journal of a period (docs/accounting.md). Pure: the caller reads the
 * documents from the ledger; this posts everything dated in the period to the chart of accounts.
 *
 * - An invoice issued in P: Dr accounts receivable its total; Cr each income account the sum of
 *   its lines (recurring, true_up, credit, usage and charge lines by their product's
 *   `income_account`, else `defaultIncome`; late_fee lines to `lateFeeIncome`); a client_credit
 *   line (negative) is a Dr of `clientCredit`; Cr sales tax payable its tax (the account of the
 *   client's tax rate when `salesTaxPayableByRate` lists it).
 * - A credit note issued in P: the reverse (Dr income per account, Dr sales tax payable); its
 *   `applied` part is Cr accounts receivable, its `clientCredit` part Cr client credit.
 * - A payment received in P: Dr undeposited funds what was received; Cr accounts receivable
 *   the part its invoice took, Cr unapplied cash the rest; a card surcharge paid on top is
 *   received too (Dr undeposited funds, Cr surcharge income). A refund (a negative payment) is
 *   the same posting with the signs turned (`refund`). The provider's fee, once the ledger has
 *   it, is what the provider kept of the money: Dr provider fees, Cr undeposited funds, in the
 *   same document and on the same date (a refund's fee as the provider reported it, usually 0).
 *   A fee in another currency than the payment's (the provider's settlement currency) is not
 *   posted: `unpostedFees` lists it for the manifest.
 *
 * A posting of a negative amount goes to the other side (a credit line is a Dr of income), and
 * postings of 0 are left out. Amounts are taken as the ledger has them (already rounded to the
 * currency's minor unit). Each document's debits equal its credits, or the builder throws
 * naming the document.
 */
import { firstDay, lastDay, type IsoDate, type Period } from './dates.js';
import { ZERO, decimalText, sum, type Dec } from './money.js';
import type {
  AccountingSettings,
  Client,
  CreditNote,
  Invoice,
  InvoiceAccount,
  InvoiceLine,
  Payment,
  Product,
} from './billing-types.js';

export type JournalDocumentType = 'invoice' | 'credit_note' | 'payment' | 'refund';

export interface JournalEntry {
  /** `{document_type}/{document_number}/{n}`, n the entry's place in its document (1-based). */
  readonly entryId: string;
  readonly date: IsoDate;
  readonly documentType: JournalDocumentType;
  /** The invoice or credit note number, or the payment id. */
  readonly documentNumber: string;
  /** Empty for a payment whose invoice is unknown. */
  readonly clientId: string;
  readonly currency: string;
  readonly account: string;
  /** One of debit and credit is 0, the other above 0. */
  readonly debit: Dec;
  readonly credit: Dec;
  readonly memo: string;
}

export interface JournalInput {
  /** Everything dated in this period is posted. */
  readonly period: Period;
  readonly accounts: AccountingSettings;
  readonly products: readonly Product[];
  /** The invoices with their applied entries (payments' applied parts are read from here). */
  readonly invoices: readonly InvoiceAccount[];
  readonly creditNotes: readonly CreditNote[];
  /** The payments whose outcome is recorded, applied or not. */
  readonly payments: readonly Payment[];
  /** The clients' tax rates: an invoice's tax posts to its rate's account (`salesTaxPayableByRate`). */
  readonly clients?: readonly Pick<Client, 'clientId' | 'taxRate'>[];
}

/** A journal line before it is numbered: Dr when `amount` > 0, Cr when < 0. */
interface Posting {
  readonly account: string;
  readonly amount: Dec;
  readonly memo: string;
}

interface JournalDocument {
  readonly date: IsoDate;
  readonly type: JournalDocumentType;
  readonly number: string;
  readonly clientId: string;
  readonly currency: string;
  readonly postings: readonly Posting[];
}

/** Thrown when a document's debits and credits differ: the documents are not what they claim. */
export class UnbalancedDocument extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnbalancedDocument';
  }
}

const TYPE_ORDER: Record<JournalDocumentType, number> = { invoice: 0, credit_note: 1, payment: 2, refund: 3 };

/** The journal of `input.period`, by date, document type, document number, then place. */
export function buildJournal(input: JournalInput): JournalEntry[] {
  const from = firstDay(input.period);
  const to = lastDay(input.period);
  const within = (date: IsoDate): boolean => date >= from && date <= to;
  const incomeOf = incomeAccounts(input);
  const invoices = new Map(input.invoices.map((a) => [a.invoice.number, a]));
  const documents: JournalDocument[] = [
    ...input.invoices
      .filter((a) => within(a.invoice.issueDate))
      .map((a) => invoiceDocument(a.invoice, input, incomeOf)),
    ...input.creditNotes
      .filter((n) => within(n.issueDate))
      .map((n) => creditNoteDocument(n, invoices.get(n.invoiceNumber)?.invoice, input, incomeOf)),
    ...input.payments
      .filter((p) => within(p.receivedOn) && !p.amount.isZero())
      .map((p) => paymentDocument(p, invoices.get(p.invoiceNumber), input.accounts)),
  ];
  documents.sort(
    (a, b) => compare(a.date, b.date) || TYPE_ORDER[a.type] - TYPE_ORDER[b.type] || compare(a.number, b.number),
  );
  return documents.flatMap(entriesOf);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The income account of a line's product (by sku), `defaultIncome` without one. */
export function incomeAccounts(
  input: Pick<JournalInput, 'accounts' | 'products'>,
): (sku: string | undefined) => string {
  const bySku = new Map(input.products.map((p) => [p.sku, p.incomeAccount]));
  return (sku) => (sku === undefined ? undefined : bySku.get(sku)) ?? input.accounts.defaultIncome;
}

/** Where an invoice line's amount is credited (a client_credit line: debited, being negative). */
export function lineAccount(
  line: InvoiceLine,
  accounts: AccountingSettings,
  incomeOf: (sku?: string) => string,
): string {
  if (line.kind === 'late_fee') return accounts.lateFeeIncome;
  if (line.kind === 'client_credit') return accounts.clientCredit;
  return incomeOf(line.sku);
}

function invoiceDocument(invoice: Invoice, input: JournalInput, incomeOf: (sku?: string) => string): JournalDocument {
  const { accounts } = input;
  const label = `Invoice ${invoice.number}`;
  const lines = grouped(
    invoice.lines.map((line) => ({ account: lineAccount(line, accounts, incomeOf), amount: line.amount.negated() })),
  );
  return {
    date: invoice.issueDate,
    type: 'invoice',
    number: invoice.number,
    clientId: invoice.clientId,
    currency: invoice.currency,
    postings: [
      { account: accounts.accountsReceivable, amount: invoice.total, memo: `${label} (${invoice.period})` },
      ...lines.map((p) => ({ ...p, memo: `${label}: ${lineMemo(p.account, accounts)}` })),
      { account: salesTaxAccount(input, invoice.clientId), amount: invoice.tax.negated(), memo: `${label}: sales tax` },
    ],
  };
}

/**
 * Where a client's sales tax posts: the account `salesTaxPayableByRate` lists for the client's
 * tax rate (as clients.csv has it now), else `salesTaxPayable`.
 */
export function salesTaxAccount(input: Pick<JournalInput, 'accounts' | 'clients'>, clientId: string): string {
  const { salesTaxPayable, salesTaxPayableByRate } = input.accounts;
  if (salesTaxPayableByRate === undefined) return salesTaxPayable;
  const rate = input.clients?.find((c) => c.clientId === clientId)?.taxRate;
  return (rate === undefined ? undefined : salesTaxPayableByRate[decimalText(rate)]) ?? salesTaxPayable;
}

function lineMemo(account: string, accounts: AccountingSettings): string {
  if (account === accounts.clientCredit) return 'client credit spent';
  if (account === accounts.lateFeeIncome) return 'late fees';
  return 'income';
}

function creditNoteDocument(
  note: CreditNote,
  invoice: Invoice | undefined,
  input: JournalInput,
  incomeOf: (sku?: string) => string,
): JournalDocument {
  const { accounts } = input;
  const label = `Credit note ${note.number} of ${note.invoiceNumber}`;
  // A credited invoice line keeps its account (a late fee credited is late-fee income given back).
  const lines = grouped(
    note.lines.map((line) => {
      const credited = line.invoiceLine === undefined ? undefined : invoice?.lines[line.invoiceLine - 1];
      const account = credited ? lineAccount(credited, accounts, incomeOf) : incomeOf(line.sku);
      return { account, amount: line.amount };
    }),
  );
  return {
    date: note.issueDate,
    type: 'credit_note',
    number: note.number,
    clientId: note.clientId,
    currency: note.currency,
    postings: [
      ...lines.map((p) => ({ ...p, memo: `${label}: ${lineMemo(p.account, accounts)} credited` })),
      { account: salesTaxAccount(input, note.clientId), amount: note.tax, memo: `${label}: sales tax credited` },
      { account: accounts.accountsReceivable, amount: note.applied.negated(), memo: `${label}: ${note.reason}` },
      { account: accounts.clientCredit, amount: note.clientCredit.negated(), memo: `${label}: kept as client credit` },
    ],
  };
}

/**
 * A payment: what its invoice took is the sum of the invoice's applied entries with the
 * payment's id (credit notes' entries left out); the rest of the amount is unapplied.
 */
function paymentDocument(
  payment: Payment,
  account: InvoiceAccount | undefined,
  accounts: AccountingSettings,
): JournalDocument {
  const applied = sum(
    (account?.payments ?? [])
      .filter((p) => p.paymentId === payment.paymentId && p.creditNote === undefined)
      .map((p) => p.amount),
  );
  const unapplied = payment.amount.minus(applied);
  const refund = payment.amount.isNegative();
  const label = `${refund ? 'Refund' : 'Payment'} ${payment.paymentId} for ${payment.invoiceNumber}`;
  return {
    date: payment.receivedOn,
    type: refund ? 'refund' : 'payment',
    number: payment.paymentId,
    clientId: account?.invoice.clientId ?? '',
    currency: applied.isZero() || !account ? payment.currency : account.invoice.currency,
    postings: [
      {
        account: accounts.undepositedFunds,
        amount: payment.amount,
        memo: `${label}${payment.reference ? ` (${payment.reference})` : ''}`,
      },
      { account: accounts.accountsReceivable, amount: applied.negated(), memo: `${label}: applied` },
      { account: accounts.unappliedCash, amount: unapplied.negated(), memo: `${label}: unapplied` },
      ...(payment.surcharge === undefined
        ? []
        : [
            { account: accounts.undepositedFunds, amount: payment.surcharge, memo: `${label}: card surcharge` },
            {
              account: accounts.surchargeIncome,
              amount: payment.surcharge.negated(),
              memo: `${label}: card surcharge`,
            },
          ]),
      ...feePostings(payment, accounts, `${label}: provider fee`),
    ],
  };
}

/** What the provider kept: Dr provider fees, Cr undeposited funds (a returned fee: the other way). */
function feePostings(payment: Payment, accounts: AccountingSettings, memo: string): Posting[] {
  const fee = postedFee(payment);
  if (fee === undefined) return [];
  return [
    { account: accounts.providerFees, amount: fee, memo },
    { account: accounts.undepositedFunds, amount: fee.negated(), memo },
  ];
}

/** The payment's fee when the journal can post it: known, and in the payment's own currency. */
function postedFee(payment: Payment): Dec | undefined {
  return payment.fee !== undefined && payment.feeCurrency === payment.currency ? payment.fee : undefined;
}

/** A provider's fee the journal leaves out: in another currency than its payment's. */
export interface UnpostedFee {
  readonly paymentId: string;
  readonly date: IsoDate;
  readonly fee: Dec;
  readonly currency: string;
  readonly paymentCurrency: string;
}

/**
 * The fees of the period's payments that are not posted: each in the provider's settlement
 * currency, not the payment's, so the payment's document cannot carry it (one currency per
 * document) and converting it is the accountant's call. By date, then payment id.
 */
export function unpostedFees(input: Pick<JournalInput, 'period' | 'payments'>): UnpostedFee[] {
  const from = firstDay(input.period);
  const to = lastDay(input.period);
  return input.payments
    .filter((p) => p.receivedOn >= from && p.receivedOn <= to && !p.amount.isZero())
    .flatMap((p) =>
      p.fee !== undefined && !p.fee.isZero() && p.feeCurrency !== p.currency
        ? [
            {
              paymentId: p.paymentId,
              date: p.receivedOn,
              fee: p.fee,
              currency: p.feeCurrency ?? '',
              paymentCurrency: p.currency,
            },
          ]
        : [],
    )
    .sort((a, b) => compare(a.date, b.date) || compare(a.paymentId, b.paymentId));
}

/** The postings summed per account, in the order each account first appears. */
function grouped(postings: readonly { account: string; amount: Dec }[]): { account: string; amount: Dec }[] {
  const totals = new Map<string, Dec>();
  for (const p of postings) totals.set(p.account, (totals.get(p.account) ?? ZERO).plus(p.amount));
  return [...totals].map(([account, amount]) => ({ account, amount }));
}

/** The document's entries, numbered; throws UnbalancedDocument when its debits and credits differ. */
function entriesOf(doc: JournalDocument): JournalEntry[] {
  const postings = doc.postings.filter((p) => !p.amount.isZero());
  const balance = sum(postings.map((p) => p.amount));
  if (!balance.isZero())
    throw new UnbalancedDocument(
      `${doc.type} ${doc.number} (${doc.currency}) does not balance: its debits exceed its credits by ${decimalText(balance)}`,
    );
  return postings.map((p, i) => ({
    entryId: `${doc.type}/${doc.number}/${i + 1}`,
    date: doc.date,
    documentType: doc.type,
    documentNumber: doc.number,
    clientId: doc.clientId,
    currency: doc.currency,
    account: p.account,
    debit: p.amount.greaterThan(0) ? p.amount : ZERO,
    credit: p.amount.lessThan(0) ? p.amount.negated() : ZERO,
    memo: p.memo,
  }));
}

/** Debits and credits per currency (the manifest's totals; equal in a balanced journal). */
export function journalTotals(entries: readonly JournalEntry[]): Map<string, { debit: Dec; credit: Dec }> {
  const totals = new Map<string, { debit: Dec; credit: Dec }>();
  for (const e of entries) {
    const t = totals.get(e.currency) ?? { debit: ZERO, credit: ZERO };
    totals.set(e.currency, { debit: t.debit.plus(e.debit), credit: t.credit.plus(e.credit) });
  }
  return new Map([...totals].sort(([a], [b]) => compare(a, b)));
}

/** The balance (debits − credits) of one account over the entries given. */
export function accountBalance(entries: readonly JournalEntry[], account: string, currency: string): Dec {
  return sum(
    entries.filter((e) => e.account === account && e.currency === currency).map((e) => e.debit.minus(e.credit)),
  );
}

/**
 * Over random months of invoices, payments, refunds and credit notes (applied by the domain's
 * own applyPayment and creditNoteFor, as the ledger does): every document balances in every
 * currency, and accounts receivable summed over the journals up to a month equals the open
 * balances (invoiceBalance) of the invoices issued by its last day; every document's tax posts
 * to its client's rate's account (`salesTaxPayableByRate`), else to sales tax payable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPayment } from '../../functions/domain/apply-payment.js';
import type {
  CreditNote,
  Invoice,
  InvoiceAccount,
  InvoiceLine,
  Payment,
  AppliedPayment,
} from '../../functions/domain/billing-types.js';
import { CreditNoteRefused, creditNoteFor } from '../../functions/domain/credit-note.js';
import { lastDay, type IsoDate, type Period } from '../../functions/domain/dates.js';
import { invoiceBalance } from '../../functions/domain/invoice-balance.js';
import {
  accountBalance,
  buildJournal,
  journalTotals,
  unpostedFees,
  type JournalEntry,
} from '../../functions/domain/journal.js';
import { Dec, decimalText, fromMinorUnits, roundMoney, sum } from '../../functions/domain/money.js';
import { DEFAULT_ACCOUNTS } from '../../functions/domain/reference/settings.js';

const PERIODS: Period[] = ['2026-01', '2026-02', '2026-03'];
const CURRENCIES = ['USD', 'JPY', 'KWD'] as const;
const TAX_RATE = new Dec(10);

const day = fc
  .record({ month: fc.integer({ min: 1, max: 3 }), day: fc.integer({ min: 1, max: 28 }) })
  .map(({ month, day: d }) => `2026-0${month}-${String(d).padStart(2, '0')}` as IsoDate);

const lineArb = fc.record({
  kind: fc.constantFrom<InvoiceLine['kind']>('recurring', 'usage', 'true_up', 'charge', 'credit', 'late_fee'),
  minor: fc.integer({ min: 1, max: 500_000 }),
  sku: fc.constantFrom('A', 'B', undefined),
});

const invoiceArb = fc.record({
  currency: fc.constantFrom(...CURRENCIES),
  issueDate: day,
  lines: fc.array(lineArb, { minLength: 1, maxLength: 5 }),
  spentCreditMinor: fc.integer({ min: 0, max: 20_000 }),
});

const eventArb = fc.oneof(
  fc.record({
    kind: fc.constant('payment' as const),
    invoice: fc.integer({ min: 0, max: 9 }),
    minor: fc.integer({ min: -300_000, max: 900_000 }),
    date: day,
    otherCurrency: fc.boolean(),
    // The provider's fee: none yet, or one (negative: returned), sometimes in another currency.
    feeMinor: fc.option(fc.integer({ min: -500, max: 30_000 })),
    feeOtherCurrency: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('credit' as const),
    invoice: fc.integer({ min: 0, max: 9 }),
    minor: fc.integer({ min: 1, max: 600_000 }),
    date: day,
  }),
);

interface Month {
  readonly invoices: InvoiceAccount[];
  readonly payments: Payment[];
  readonly creditNotes: CreditNote[];
}

function makeInvoice(spec: InvoiceSpec, index: number): Invoice {
  const lines: InvoiceLine[] = spec.lines.map((l) => {
    const magnitude = fromMinorUnits(l.minor, spec.currency);
    const amount = l.kind === 'credit' ? magnitude.negated() : magnitude;
    return {
      kind: l.kind,
      ...(l.kind === 'late_fee' || l.sku === undefined ? {} : { sku: l.sku }),
      description: l.kind,
      quantity: new Dec(1),
      unitPrice: amount,
      amount,
    };
  });
  const taxed = sum(lines.filter((l) => l.kind !== 'late_fee').map((l) => l.amount));
  const tax = Dec.max(new Dec(0), roundMoney(taxed.times(TAX_RATE).div(100), spec.currency));
  const before = sum(lines.map((l) => l.amount)).plus(tax);
  const spent = Dec.min(fromMinorUnits(spec.spentCreditMinor, spec.currency), Dec.max(new Dec(0), before));
  if (spent.greaterThan(0))
    lines.push({
      kind: 'client_credit',
      description: 'Credit',
      quantity: new Dec(1),
      unitPrice: spent.negated(),
      amount: spent.negated(),
      creditNote: 'CN-OLD',
    });
  const subtotal = sum(lines.map((l) => l.amount));
  return {
    number: `INV-2026-${String(index + 1).padStart(6, '0')}`,
    clientId: `C${index % 3}`,
    period: spec.issueDate.slice(0, 7),
    currency: spec.currency,
    issueDate: spec.issueDate,
    dueDate: spec.issueDate,
    lines,
    subtotal,
    tax,
    total: subtotal.plus(tax),
  };
}

type InvoiceSpec = {
  currency: (typeof CURRENCIES)[number];
  issueDate: IsoDate;
  lines: { kind: InvoiceLine['kind']; minor: number; sku: string | undefined }[];
  spentCreditMinor: number;
};
type EventSpec = {
  kind: 'payment' | 'credit';
  invoice: number;
  minor: number;
  date: IsoDate;
  otherCurrency?: boolean;
  feeMinor?: number | null;
  feeOtherCurrency?: boolean;
};

/** Applies the events in date order, as the daily runs would. */
function month(specs: InvoiceSpec[], events: EventSpec[]): Month {
  const accounts = specs.map((s, i) => ({ invoice: makeInvoice(s, i), payments: [] as AppliedPayment[] }));
  const payments: Payment[] = [];
  const creditNotes: CreditNote[] = [];
  const ordered = events.map((e, i) => ({ ...e, id: i })).sort((a, b) => a.date.localeCompare(b.date) || a.id - b.id);
  for (const event of ordered) {
    const account = accounts[event.invoice];
    const currency = account?.invoice.currency ?? 'USD';
    if (event.kind === 'payment') {
      const paid = event.otherCurrency ? (currency === 'USD' ? 'EUR' : 'USD') : currency;
      const feeCurrency = event.feeOtherCurrency ? (paid === 'USD' ? 'EUR' : 'USD') : paid;
      const payment: Payment = {
        paymentId: `P${String(event.id).padStart(3, '0')}`,
        invoiceNumber: account?.invoice.number ?? 'INV-NONE',
        amount: fromMinorUnits(event.minor, currency),
        currency: paid,
        receivedOn: event.date,
        ...(event.feeMinor === null || event.feeMinor === undefined
          ? {}
          : { fee: fromMinorUnits(event.feeMinor, feeCurrency), feeCurrency }),
      };
      if (payment.amount.isZero()) continue;
      payments.push(payment);
      const target = account && account.invoice.issueDate <= event.date ? account : undefined;
      const outcome = applyPayment(payment, target);
      if (outcome.applied && account) account.payments.push(outcome.applied);
      continue;
    }
    if (!account) continue;
    try {
      const paid = sum(account.payments.map((p) => p.amount));
      const note = creditNoteFor({
        target: { invoice: account.invoice, payments: account.payments, paid, paymentCount: account.payments.length },
        request: { amount: fromMinorUnits(event.minor, currency) },
        taxRate: TAX_RATE,
        reason: 'Goodwill',
        issueDate: event.date,
        asClientCredit: true,
      });
      const number = `CN-2026-${String(creditNotes.length + 1).padStart(6, '0')}`;
      creditNotes.push({ ...note, number });
      if (!note.applied.isZero())
        account.payments.push({ paymentId: number, amount: note.applied, receivedOn: event.date, creditNote: number });
    } catch (error) {
      if (!(error instanceof CreditNoteRefused)) throw error;
    }
  }
  return { invoices: accounts, payments, creditNotes };
}

/** C0 and C2 are taxed at 10% and their rate has its own account; C1's 8.25% is not listed. */
const TAX_10 = '2201 Sales Tax 10%';
const ACCOUNTS = { ...DEFAULT_ACCOUNTS, salesTaxPayableByRate: { '10': TAX_10 } };
const CLIENTS = [
  { clientId: 'C0', taxRate: new Dec('10.00') },
  { clientId: 'C1', taxRate: new Dec('8.25') },
  { clientId: 'C2', taxRate: new Dec(10) },
];

function journalOf(data: Month, period: Period): JournalEntry[] {
  return buildJournal({ period, accounts: ACCOUNTS, products: [], clients: CLIENTS, ...data });
}

/** Every tax posted, by the account it went to: the documents' tax, each at its client's rate's account. */
function expectTaxByRate(entries: readonly JournalEntry[], data: Month): void {
  const taxEntries = entries.filter((e) => e.account === TAX_10 || e.account === DEFAULT_ACCOUNTS.salesTaxPayable);
  for (const e of taxEntries) expect(e.account === TAX_10, `${e.entryId} ${e.clientId}`).toBe(e.clientId !== 'C1');
  for (const currency of CURRENCIES) {
    const posted = sum(taxEntries.filter((e) => e.currency === currency).map((e) => e.credit.minus(e.debit)));
    const charged = sum(data.invoices.filter((a) => a.invoice.currency === currency).map((a) => a.invoice.tax));
    const given = sum(data.creditNotes.filter((n) => n.currency === currency).map((n) => n.tax));
    expect(decimalText(posted), currency).toBe(decimalText(charged.minus(given)));
  }
}

describe('buildJournal over random months (property)', () => {
  it('balances every document and currency, and ties AR to the open balances at each month end', () => {
    fc.assert(
      fc.property(
        fc.array(invoiceArb, { minLength: 1, maxLength: 10 }),
        fc.array(eventArb, { maxLength: 25 }),
        (specs, events) => {
          const data = month(specs as InvoiceSpec[], events as EventSpec[]);
          const upTo: JournalEntry[] = [];
          for (const period of PERIODS) {
            const entries = journalOf(data, period); // throws on an unbalanced document
            for (const [currency, t] of journalTotals(entries))
              expect(decimalText(t.debit), `${period} ${currency}`).toBe(decimalText(t.credit));
            upTo.push(...entries);
            const end = lastDay(period);
            for (const currency of CURRENCIES) {
              const open = sum(
                data.invoices
                  .filter((a) => a.invoice.currency === currency && a.invoice.issueDate <= end)
                  .map((a) => invoiceBalance(a, end).balance),
              );
              expect(decimalText(accountBalance(upTo, DEFAULT_ACCOUNTS.accountsReceivable, currency))).toBe(
                decimalText(open),
              );
            }
          }
          expectTaxByRate(upTo, data);
          // Every payment is posted once, whole: applied + unapplied = what was received, less
          // the fees the provider kept (those in the payment's currency; the others are listed).
          const posted = data.payments.filter((p) => p.fee !== undefined && p.feeCurrency === p.currency);
          const received = upTo.filter((e) => e.account === DEFAULT_ACCOUNTS.undepositedFunds);
          expect(decimalText(sum(received.map((e) => e.debit.minus(e.credit))))).toBe(
            decimalText(sum(data.payments.map((p) => p.amount)).minus(sum(posted.map((p) => p.fee!)))),
          );
          const fees = upTo.filter((e) => e.account === DEFAULT_ACCOUNTS.providerFees);
          expect(decimalText(sum(fees.map((e) => e.debit.minus(e.credit))))).toBe(
            decimalText(sum(posted.map((p) => p.fee!))),
          );
          const listed = PERIODS.flatMap((period) => unpostedFees({ period, payments: data.payments }));
          expect(listed.map((f) => f.paymentId).sort()).toEqual(
            data.payments
              .filter((p) => p.fee !== undefined && !p.fee.isZero() && p.feeCurrency !== p.currency)
              .map((p) => p.paymentId)
              .sort(),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

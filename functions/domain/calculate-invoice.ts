/**
 * Invoice calculation (docs/contract.md §5): a pure function of the client, its agreements, the
 * reconciliation of P and the late fees waiting, returning the proposed invoice. Numbering and
 * storage belong to the caller; an issued invoice is never recalculated.
 */
import { activeRange, isActiveIn } from './agreements.js';
import {
  addDays,
  addMonths,
  daysBetween,
  daysInPeriod,
  monthsBetween,
  periodOf,
  type IsoDate,
  type Period,
} from './dates.js';
import { Dec, ZERO, decimalText, formatQuantity, roundMoney, sum } from './money.js';
import { lateFeeLines } from './late-fee-lines.js';
import { compareText, type PairResult } from './reconcile-period.js';
import type {
  Agreement,
  BillingFrequency,
  Charge,
  Client,
  ClientCredit,
  Invoice,
  InvoiceLine,
  InvoiceLineKind,
  LateFee,
  Product,
  RecurringTiming,
} from './billing-types.js';

/** An invoice before it has a number. */
export type InvoiceDraft = Omit<Invoice, 'number'>;

export interface InvoiceInput {
  readonly client: Client;
  /** The billing run's day D, the 1st of month M; the invoice covers P = M − 1. */
  readonly issueDate: IsoDate;
  readonly recurringTiming: RecurringTiming;
  readonly agreements: readonly Agreement[];
  readonly products: readonly Product[];
  /** The client's pairs from the reconciliation of P. */
  readonly pairs: readonly PairResult[];
  /** Late fees charged since the client's previous invoice. */
  readonly lateFees: readonly LateFee[];
  /**
   * Pairs of an earlier period held for a missing feed and released now that it arrived
   * (domain/hold-missing-feeds.ts); their lines carry their own period.
   */
  readonly releasedPairs?: readonly { readonly period: Period; readonly pairs: readonly PairResult[] }[];
  /** One-off charges dated on or before the issue date and not billed yet (docs/review.md). */
  readonly charges?: readonly Charge[];
  /**
   * Client credit left by credit notes, oldest first: spent on this invoice, up to what it comes
   * to. It never makes an invoice on its own.
   */
  readonly clientCredits?: readonly ClientCredit[];
}

/** The order of an invoice's line kinds (docs/contract.md §5, and the kinds added since). */
export const KIND_ORDER: readonly InvoiceLineKind[] = [
  'recurring',
  'true_up',
  'credit',
  'usage',
  'charge',
  'late_fee',
  'client_credit',
];
const FREQUENCY_MONTHS: Readonly<Record<BillingFrequency, number>> = { monthly: 1, quarterly: 3, annual: 12 };

/** The proposed invoice, or undefined when the client has no line this run. */
export function calculateInvoice(input: InvoiceInput): InvoiceDraft | undefined {
  const { client, issueDate } = input;
  const billingMonth = periodOf(issueDate);
  const period = addMonths(billingMonth, -1);
  const servicePeriod = input.recurringTiming === 'advance' ? billingMonth : period;
  const names = new Map(input.products.map((p) => [p.sku, p.name]));
  const nameOf = (sku: string, agreement?: Agreement): string => agreement?.description || names.get(sku) || sku;

  const lines = sortLines([
    ...recurringLines(
      input.agreements.filter((a) => a.clientId === client.clientId),
      servicePeriod,
      client.currency,
      nameOf,
    ),
    ...pairLines(input.pairs, period, client.currency, nameOf),
    ...(input.releasedPairs ?? []).flatMap((r) => pairLines(r.pairs, r.period, client.currency, nameOf)),
    ...chargeLines(input.charges ?? [], client.currency),
    ...lateFeeLines(input.lateFees),
  ]);
  if (lines.length === 0) return undefined;
  const withCredit = [...lines, ...clientCreditLines(input.clientCredits ?? [], totals(lines, client).total, client)];
  return {
    clientId: client.clientId,
    period,
    currency: client.currency,
    issueDate,
    dueDate: addDays(issueDate, client.paymentTermsDays),
    lines: withCredit,
    ...totals(withCredit, client),
  };
}

/** Whether a line counts toward tax: not late fees, not client credit, not a charge added as not taxable. */
export function isTaxed(line: InvoiceLine): boolean {
  return line.kind !== 'late_fee' && line.kind !== 'client_credit' && line.taxable !== false;
}

/** subtotal = Σ amounts; tax = round(Σ taxed amounts × rate ÷ 100); total = subtotal + tax. */
export function totals(
  lines: readonly InvoiceLine[],
  client: Pick<Client, 'taxRate' | 'currency'>,
): { subtotal: Dec; tax: Dec; total: Dec } {
  const subtotal = sum(lines.map((l) => l.amount));
  const taxable = sum(lines.filter(isTaxed).map((l) => l.amount));
  const tax = roundMoney(taxable.times(client.taxRate).div(100), client.currency);
  return { subtotal, tax, total: subtotal.plus(tax) };
}

/** One `charge` line per charge in the client's currency: amount = round(quantity × unit price). */
export function chargeLines(charges: readonly Charge[], currency: string): InvoiceLine[] {
  return charges.map((charge) => ({
    kind: 'charge' as const,
    ...(charge.sku ? { sku: charge.sku } : {}),
    period: periodOf(charge.date),
    description: charge.description,
    quantity: charge.quantity,
    unitPrice: charge.unitPrice,
    amount: roundMoney(charge.quantity.times(charge.unitPrice), currency),
    chargeId: charge.chargeId,
    ...(charge.taxable ? {} : { taxable: false }),
  }));
}

/**
 * The client credit spent on an invoice that comes to `total` (tax included): credits in the
 * client's currency, oldest first, each line at most what is still owed, so the total never goes
 * below zero. Untaxed: the credit note already reversed the tax.
 */
function clientCreditLines(
  credits: readonly ClientCredit[],
  total: Dec,
  client: Pick<Client, 'currency'>,
): InvoiceLine[] {
  const lines: InvoiceLine[] = [];
  let owed = total;
  for (const credit of credits) {
    if (credit.currency !== client.currency || !owed.greaterThan(0) || !credit.amount.greaterThan(0)) continue;
    const spent = Dec.min(credit.amount, owed);
    owed = owed.minus(spent);
    lines.push({
      kind: 'client_credit',
      description: `Credit from ${credit.creditNote}`,
      quantity: new Dec(1),
      unitPrice: spent.negated(),
      amount: spent.negated(),
      creditNote: credit.creditNote,
    });
  }
  return lines;
}

/** Whether a line bills in service period S: monthly always, quarterly/annual on their anniversaries. */
export function isDueIn(agreement: Pick<Agreement, 'billingFrequency' | 'startDate'>, servicePeriod: Period): boolean {
  const months = monthsBetween(periodOf(agreement.startDate), servicePeriod);
  return months >= 0 && months % FREQUENCY_MONTHS[agreement.billingFrequency] === 0;
}

function recurringLines(
  agreements: readonly Agreement[],
  servicePeriod: Period,
  currency: string,
  nameOf: (sku: string, a?: Agreement) => string,
): InvoiceLine[] {
  return agreements
    .filter((a) => a.pricing === 'per_unit' && isActiveIn(a, servicePeriod) && isDueIn(a, servicePeriod))
    .map((agreement) => {
      const months = FREQUENCY_MONTHS[agreement.billingFrequency];
      const [from, to] = activeRange(agreement, servicePeriod);
      const activeDays = daysBetween(from, to) + 1;
      const days = daysInPeriod(servicePeriod);
      const prorate = agreement.billingFrequency === 'monthly' && activeDays < days;
      // Multiply first, divide last, round once.
      let amount = agreement.quantity.times(agreement.unitPrice).times(months);
      if (prorate) amount = amount.times(activeDays).div(days);
      const span = months === 1 ? servicePeriod : `${servicePeriod} to ${addMonths(servicePeriod, months - 1)}`;
      const proration = prorate ? `, ${from} to ${to} (${activeDays}/${days} days)` : '';
      return {
        kind: 'recurring' as const,
        sku: agreement.sku,
        period: servicePeriod,
        description: `${nameOf(agreement.sku, agreement)}, ${span}${proration}`,
        quantity: agreement.quantity,
        unitPrice: agreement.unitPrice.times(months),
        amount: roundMoney(amount, currency),
        agreementId: agreement.agreementId,
      };
    });
}

function pairLines(
  pairs: readonly PairResult[],
  period: Period,
  currency: string,
  nameOf: (sku: string, a?: Agreement) => string,
): InvoiceLine[] {
  const lines: InvoiceLine[] = [];
  for (const pair of pairs) {
    const agreement = pair.agreement;
    if (!agreement) continue;
    const name = nameOf(pair.sku, agreement);
    const usage = `used ${formatQuantity(pair.used)}, contracted ${formatQuantity(pair.contracted)}`;
    const common = { sku: pair.sku, period, agreementId: agreement.agreementId, unitPrice: agreement.unitPrice };
    if (pair.status === 'under_billed' && agreement.trueUp === 'bill') {
      lines.push({
        ...common,
        kind: 'true_up',
        description: `${name}, true-up ${period}: ${usage}`,
        quantity: pair.delta,
        amount: roundMoney(pair.delta.times(agreement.unitPrice), currency),
      });
    } else if (pair.status === 'over_billed' && agreement.trueUp === 'credit') {
      const quantity = pair.contracted.minus(pair.used).negated();
      lines.push({
        ...common,
        kind: 'credit',
        description: `${name}, credit ${period}: ${usage}`,
        quantity,
        amount: roundMoney(quantity.times(agreement.unitPrice), currency),
      });
    } else if (pair.status === 'usage_billed') {
      const cost = pair.totalCost ?? ZERO;
      const amount = roundMoney(cost.times(agreement.markupPercent.div(100).plus(1)), currency);
      lines.push({
        ...common,
        kind: 'usage',
        description: `${name}, usage ${period} at cost ${decimalText(cost)} plus ${formatQuantity(agreement.markupPercent)}%`,
        quantity: new Dec(1),
        unitPrice: amount,
        amount,
      });
    }
  }
  return lines;
}

/**
 * recurring, true_up, credit, usage, charge, late_fee, client_credit; by sku then agreement id;
 * late fees by date charged then invoice; charges by the month of their date, then charge id.
 */
export function sortLines(lines: readonly InvoiceLine[]): InvoiceLine[] {
  const rank = (l: InvoiceLine): number => KIND_ORDER.indexOf(l.kind);
  const charges = (a: InvoiceLine, b: InvoiceLine): number =>
    a.kind === 'charge' && b.kind === 'charge'
      ? compareText(a.period ?? '', b.period ?? '') || compareText(a.chargeId ?? '', b.chargeId ?? '')
      : 0;
  return [...lines].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      charges(a, b) ||
      compareText(a.sku ?? '', b.sku ?? '') ||
      compareText(a.agreementId ?? '', b.agreementId ?? '') ||
      compareText(a.feeOf?.chargedOn ?? '', b.feeOf?.chargedOn ?? '') ||
      compareText(a.feeOf?.invoiceNumber ?? '', b.feeOf?.invoiceNumber ?? '') ||
      compareText(a.period ?? '', b.period ?? ''),
  ); // a released line of an earlier period, then this one
}

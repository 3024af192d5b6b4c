/**
 * The credit note of an invoice (docs/credit-notes.md). Pure: the caller numbers and records it.
 *
 * - `amount`: one line "Credit: <reason>" of X (before tax); the tax is reversed at the client's
 *   tax rate, round(X × rate ÷ 100), when the invoice taxed anything.
 * - `lines`: invoice lines K… (1-based) credited in full; tax = round(Σ credited taxed lines ×
 *   rate ÷ 100), taxed as calculate-invoice.ts `isTaxed` says. A line credited by an earlier
 *   credit note, a client credit line, or a line that is itself a credit (≤ 0) is refused.
 * - Amounts are positive. `applied` = min(total, open balance) reduces the invoice's balance;
 *   `clientCredit` = the rest, allowed only when asked for (`asClientCredit`).
 * - `void`: the full credit note of an invoice nothing was applied to (no payment and no earlier
 *   credit note: its running totals are untouched). Every line but the client credit lines is
 *   credited as it stands (a credit line stays negative), the tax is the invoice's own. Client
 *   credit the invoice spent comes back to the client as the void note's client credit; the
 *   rest (the invoice's total) is applied, leaving nothing to pay.
 */
import { isTaxed } from './calculate-invoice.js';
import type { IsoDate } from './dates.js';
import { Dec, ZERO, decimalText, formatMoney, moneyProblem, roundMoney, sum } from './money.js';
import type { AppliedPayment, CreditNote, CreditNoteLine, Invoice } from './billing-types.js';

/** An invoice as a credit note sees it: its lines, what was applied to it and its running totals. */
export interface CreditTarget {
  readonly invoice: Invoice;
  readonly payments: readonly AppliedPayment[];
  /** Payments and credit notes applied so far (the ledger's running total). */
  readonly paid: Dec;
  /** How many entries were applied (payments and credit notes). */
  readonly paymentCount: number;
  readonly voidedOn?: IsoDate;
}

export type CreditRequest = { readonly amount: Dec } | { readonly lines: readonly number[] } | { readonly void: true };

export interface CreditNoteInput {
  readonly target: CreditTarget;
  readonly request: CreditRequest;
  /** The client's tax rate in percent. */
  readonly taxRate: Dec;
  readonly reason: string;
  readonly issueDate: IsoDate;
  readonly asClientCredit?: boolean;
  /** Invoice lines (1-based) that earlier credit notes credited. */
  readonly creditedLines?: ReadonlySet<number>;
}

/** The input field a refusal is about: what the CLI or an adjustments.csv row names. */
export type CreditField = 'invoice' | 'amount' | 'lines' | 'action' | 'reason' | 'date';

/** A credit note that cannot be issued, with the field that makes it so. */
export class CreditNoteRefused extends Error {
  constructor(
    message: string,
    readonly field: CreditField,
  ) {
    super(message);
    this.name = 'CreditNoteRefused';
  }
}

/** The invoice's open balance on its running totals, never below 0. */
export function openBalance(target: Pick<CreditTarget, 'invoice' | 'paid'>): Dec {
  const balance = roundMoney(target.invoice.total.minus(target.paid), target.invoice.currency);
  return Dec.max(ZERO, balance);
}

/** The credit note (without its number), or CreditNoteRefused. */
export function creditNoteFor(input: CreditNoteInput): Omit<CreditNote, 'number'> {
  const { invoice } = input.target;
  const reason = input.reason.trim();
  if (reason === '') throw new CreditNoteRefused('A credit note needs a reason', 'reason');
  if (input.target.voidedOn !== undefined)
    throw new CreditNoteRefused(`Invoice ${invoice.number} was voided on ${input.target.voidedOn}`, 'invoice');
  if (input.issueDate < invoice.issueDate)
    throw new CreditNoteRefused(
      `A credit note of ${invoice.number} cannot be dated ${input.issueDate}, before the invoice was issued (${invoice.issueDate})`,
      'date',
    );
  const isVoid = 'void' in input.request;
  const body =
    'void' in input.request
      ? voidBody(input.target)
      : 'amount' in input.request
        ? amountBody(invoice, input.request.amount, input.taxRate, reason)
        : linesBody(invoice, input.request.lines, input.taxRate, input.creditedLines ?? new Set());
  const balance = openBalance(input.target);
  const applied = Dec.min(body.total, balance);
  const clientCredit = body.total.minus(applied);
  if (clientCredit.greaterThan(0) && !isVoid && !input.asClientCredit)
    throw new CreditNoteRefused(
      `The credit note comes to ${money(body.total, invoice)}, above the open balance of ${invoice.number} (${money(balance, invoice)}); credit at most the balance, or keep the excess as client credit (--as-client-credit)`,
      'amount',
    );
  return {
    invoiceNumber: invoice.number,
    clientId: invoice.clientId,
    currency: invoice.currency,
    issueDate: input.issueDate,
    reason,
    lines: body.lines,
    subtotal: body.subtotal,
    tax: body.tax,
    total: body.total,
    applied,
    clientCredit,
    void: isVoid,
  };
}

interface NoteBody {
  readonly lines: CreditNoteLine[];
  readonly subtotal: Dec;
  readonly tax: Dec;
  readonly total: Dec;
}

function money(value: Dec, invoice: Invoice): string {
  return `${formatMoney(value, invoice.currency)} ${invoice.currency}`;
}

function amountBody(invoice: Invoice, amount: Dec, taxRate: Dec, reason: string): NoteBody {
  const bad = moneyProblem(amount, invoice.currency);
  if (bad) throw new CreditNoteRefused(`The amount ${bad}`, 'amount');
  if (!amount.greaterThan(0))
    throw new CreditNoteRefused(`The amount must be more than 0 (got ${decimalText(amount)})`, 'amount');
  const taxed = invoice.lines.some((l) => isTaxed(l) && !l.amount.isZero());
  const tax = taxed ? roundMoney(amount.times(taxRate).div(100), invoice.currency) : ZERO;
  const line: CreditNoteLine = {
    description: `Credit: ${reason}`,
    quantity: new Dec(1),
    unitPrice: amount,
    amount,
    taxable: taxed,
  };
  return { lines: [line], subtotal: amount, tax, total: amount.plus(tax) };
}

function linesBody(
  invoice: Invoice,
  numbers: readonly number[],
  taxRate: Dec,
  credited: ReadonlySet<number>,
): NoteBody {
  if (numbers.length === 0) throw new CreditNoteRefused('Name at least one invoice line to credit', 'lines');
  const seen = new Set<number>();
  const lines: CreditNoteLine[] = [];
  for (const k of numbers) {
    const line = invoice.lines[k - 1];
    if (!Number.isInteger(k) || line === undefined)
      throw new CreditNoteRefused(
        `Invoice ${invoice.number} has lines 1 to ${invoice.lines.length}; there is no line ${k}`,
        'lines',
      );
    if (seen.has(k)) throw new CreditNoteRefused(`Line ${k} is named twice`, 'lines');
    seen.add(k);
    if (credited.has(k))
      throw new CreditNoteRefused(`Line ${k} of ${invoice.number} was credited by an earlier credit note`, 'lines');
    if (line.kind === 'client_credit' || !line.amount.greaterThan(0))
      throw new CreditNoteRefused(
        `Line ${k} of ${invoice.number} (${line.description}) is not something billed (its amount is ${decimalText(line.amount)}); only lines above 0 can be credited`,
        'lines',
      );
    lines.push(noteLine(line, k));
  }
  lines.sort((a, b) => (a.invoiceLine ?? 0) - (b.invoiceLine ?? 0));
  const subtotal = sum(lines.map((l) => l.amount));
  const taxable = sum(lines.filter((l) => l.taxable).map((l) => l.amount));
  const tax = roundMoney(taxable.times(taxRate).div(100), invoice.currency);
  return { lines, subtotal, tax, total: subtotal.plus(tax) };
}

function voidBody(target: CreditTarget): NoteBody {
  const { invoice } = target;
  const money = target.payments.filter((p) => p.creditNote === undefined);
  if (money.length > 0)
    throw new CreditNoteRefused(
      `Invoice ${invoice.number} cannot be voided: payment ${money.map((p) => p.paymentId).join(', ')} was applied to it; credit it with a credit note instead`,
      'action',
    );
  const notes = target.payments.filter((p) => p.creditNote !== undefined);
  if (notes.length > 0 || target.paymentCount > 0)
    throw new CreditNoteRefused(
      `Invoice ${invoice.number} cannot be voided: it was already credited${notes.length > 0 ? ` by ${notes.map((p) => p.creditNote).join(', ')}` : ''}; credit its open balance with a credit note instead`,
      'action',
    );
  const lines = invoice.lines.flatMap((line, i) => (line.kind === 'client_credit' ? [] : [noteLine(line, i + 1)]));
  const subtotal = sum(lines.map((l) => l.amount));
  const total = subtotal.plus(invoice.tax);
  if (!total.greaterThan(0))
    throw new CreditNoteRefused(
      `Invoice ${invoice.number} bills nothing to void (its lines come to ${decimalText(total)} ${invoice.currency})`,
      'action',
    );
  return { lines, subtotal, tax: invoice.tax, total };
}

function noteLine(line: Invoice['lines'][number], k: number): CreditNoteLine {
  return {
    description: line.description,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
    amount: line.amount,
    ...(line.sku === undefined ? {} : { sku: line.sku }),
    ...(line.period === undefined ? {} : { period: line.period }),
    invoiceLine: k,
    taxable: isTaxed(line),
  };
}

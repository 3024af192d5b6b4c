/**
 * Applying one payment to its invoice (docs/contract.md §6). Pure: the caller stores the outcome.
 *
 * - Once per payment id: a payment whose id is already among the invoice's payments (or in
 *   `recordedPaymentIds`, for ids the caller recorded as unapplied) is a duplicate and changes
 *   nothing. A target given with only the sum paid (`paid`) leaves that check to the caller's
 *   store (the ledger claims each payment id once).
 * - An unknown invoice number, or one not issued yet on `received_on`, leaves the whole amount
 *   unapplied (`unknown_invoice`); so does a currency other than the invoice's
 *   (`currency_mismatch`).
 * - Otherwise the payment applies as far as it keeps what was paid on the invoice between 0 and
 *   its total: for an ordinary invoice, at most the open balance (the excess is an
 *   `overpayment`), and a negative payment (a refund) at most what was paid before; for a credit
 *   note (total < 0) a negative payment settles at most the credit. So −361 JPY on an invoice of
 *   −361 JPY applies whole (balance 0, paid); +10 on a paid invoice or −50 on an invoice nobody
 *   paid are unapplied `overpayment`s. The money is never dropped: applied + unapplied = amount.
 * - A zero amount applies nothing and leaves nothing unapplied.
 */
import type { IsoDate } from './dates.js';
import { Dec, ZERO } from './money.js';
import type { AppliedPayment, Invoice, InvoiceAccount, Payment } from './billing-types.js';

export type UnappliedReason = 'unknown_invoice' | 'currency_mismatch' | 'overpayment';

/** Money received that did not count toward an invoice: an `unapplied_payment` discrepancy. */
export interface UnappliedPayment {
  readonly paymentId: string;
  readonly invoiceNumber: string;
  /** In the payment's currency, as received. */
  readonly amount: Dec;
  readonly currency: string;
  readonly reason: UnappliedReason;
  readonly receivedOn: IsoDate;
}

export interface PaymentOutcome {
  readonly applied?: AppliedPayment;
  readonly unapplied?: UnappliedPayment;
  readonly duplicate?: true;
}

export interface ApplyPaymentOptions {
  /** Payment ids already recorded, applied or not (the invoice's own payments are always checked). */
  readonly recordedPaymentIds?: ReadonlySet<string>;
}

/**
 * The invoice a payment is for: with its applied payments, or only with their sum (a ledger that
 * keeps a running total and records each payment id once itself).
 */
export type PaymentTarget = InvoiceAccount | { readonly invoice: Invoice; readonly paid: Dec };

export function applyPayment(
  payment: Payment,
  target: PaymentTarget | undefined,
  options: ApplyPaymentOptions = {},
): PaymentOutcome {
  if (
    options.recordedPaymentIds?.has(payment.paymentId) ||
    (target && 'payments' in target && target.payments.some((p) => p.paymentId === payment.paymentId))
  ) {
    return { duplicate: true };
  }
  const unapplied = (amount: Dec, reason: UnappliedReason): UnappliedPayment => ({
    paymentId: payment.paymentId,
    invoiceNumber: payment.invoiceNumber,
    amount,
    currency: payment.currency,
    reason,
    receivedOn: payment.receivedOn,
  });
  if (!target || target.invoice.number !== payment.invoiceNumber || target.invoice.issueDate > payment.receivedOn) {
    return { unapplied: unapplied(payment.amount, 'unknown_invoice') };
  }
  if (target.invoice.currency.toUpperCase() !== payment.currency.toUpperCase()) {
    return { unapplied: unapplied(payment.amount, 'currency_mismatch') };
  }
  const amount = applicableAmount(target, payment.amount);
  const excess = payment.amount.minus(amount);
  return {
    ...(amount.isZero() ? {} : { applied: { paymentId: payment.paymentId, amount, receivedOn: payment.receivedOn } }),
    ...(excess.isZero() ? {} : { unapplied: unapplied(excess, 'overpayment') }),
  };
}

/** The part of `amount` that keeps the invoice's paid sum within [min(0, total), max(0, total)]. */
function applicableAmount(target: PaymentTarget, amount: Dec): Dec {
  const total = target.invoice.total;
  const paid = 'payments' in target ? target.payments.reduce((s, p) => s.plus(p.amount), ZERO) : target.paid;
  const low = Dec.min(ZERO, total);
  const high = Dec.max(ZERO, total);
  if (amount.greaterThan(0)) return Dec.max(ZERO, Dec.min(amount, high.minus(paid)));
  if (amount.lessThan(0)) return Dec.min(ZERO, Dec.max(amount, low.minus(paid)));
  return ZERO;
}

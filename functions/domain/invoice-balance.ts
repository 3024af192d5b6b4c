/**
 * An invoice's balance and status (docs/contract.md §6): balance = total − payments;
 * `open` → `partially_paid` → `paid` (balance ≤ 0), paid date = received_on of the payment that
 * got it there.
 *
 * Rules where the contract is silent:
 * - `asOf` counts only payments received on or before that day (a payment received on D counts
 *   on D: the daily run applies payments before dunning).
 * - An invoice whose total is ≤ 0 (a credit note) is `paid` from issue with no payment; it has no
 *   paid date, because nobody paid it.
 * - `partially_paid` means the payments so far add up to more than zero and the balance is still
 *   > 0; a payment and its full refund leave the invoice `open`.
 * - Payments count in order of receipt (then payment id). If a refund takes a paid invoice
 *   back above zero, it is no longer paid and loses its paid date; the paid date is the last time
 *   the balance reached ≤ 0.
 * - A credit note's reduction (an applied entry with `creditNote`) counts like a payment toward
 *   the balance but is not money paid: `paid` leaves it out, and an invoice only credited is
 *   `open` until its balance reaches 0 (then `paid`, dated by the credit note).
 * - A voided invoice (`voidedOn` on or before `asOf`) is `void` with balance 0.
 * - Every comparison is on the balance rounded to the currency's minor unit, and the balance
 *   given back is rounded: a fraction of a cent that no payment could settle never keeps an
 *   invoice open (nor dunned, nor charged a late fee).
 */
import type { IsoDate } from './dates.js';
import { ZERO, roundMoney, type Dec } from './money.js';
import type { AppliedPayment, InvoiceAccount, InvoiceStatus } from './billing-types.js';

export interface InvoiceBalance {
  readonly balance: Dec;
  /** Money received (credit notes left out). */
  readonly paid: Dec;
  /** What credit notes took off the balance. */
  readonly credited: Dec;
  readonly status: InvoiceStatus;
  readonly paidOn?: IsoDate;
}

export function invoiceBalance(account: InvoiceAccount, asOf?: IsoDate): InvoiceBalance {
  const total = account.invoice.total;
  const open = (settled: Dec): Dec => roundMoney(total.minus(settled), account.invoice.currency);
  let settled = ZERO;
  let credited = ZERO;
  let paidOn: IsoDate | undefined;
  for (const payment of paymentsInOrder(account.payments, asOf)) {
    const before = open(settled);
    settled = settled.plus(payment.amount);
    if (payment.creditNote !== undefined) credited = credited.plus(payment.amount);
    const after = open(settled);
    if (after.lessThanOrEqualTo(0) && (before.greaterThan(0) || paidOn === undefined)) paidOn = payment.receivedOn;
    if (after.greaterThan(0)) paidOn = undefined;
  }
  const paid = settled.minus(credited);
  if (account.voidedOn !== undefined && (asOf === undefined || account.voidedOn <= asOf))
    return { balance: roundMoney(ZERO, account.invoice.currency), paid, credited, status: 'void' };
  const balance = open(settled);
  if (balance.lessThanOrEqualTo(0)) {
    // A credit note that nobody settled has no paid date; one settled by a payment keeps it.
    return paidOn === undefined
      ? { balance, paid, credited, status: 'paid' }
      : { balance, paid, credited, status: 'paid', paidOn };
  }
  return { balance, paid, credited, status: paid.greaterThan(0) ? 'partially_paid' : 'open' };
}

/** The payments received on or before `asOf` (all when absent), by receipt date then id. */
export function paymentsInOrder(payments: readonly AppliedPayment[], asOf?: IsoDate): AppliedPayment[] {
  return payments
    .filter((p) => asOf === undefined || p.receivedOn <= asOf)
    .sort((a, b) =>
      a.receivedOn < b.receivedOn
        ? -1
        : a.receivedOn > b.receivedOn
          ? 1
          : a.paymentId < b.paymentId
            ? -1
            : a.paymentId > b.paymentId
              ? 1
              : 0,
    );
}

/**
 * Payments (docs/contract.md §6): stored when imported, applied on their received_on day, once
 * per payment id. Money that cannot be applied (unknown invoice, other currency, overpayment)
 * becomes an `unapplied_payment` discrepancy with the amount recorded. A payment is decided on
 * its invoice's running totals (paid so far, payment count), not on its list of payments, so
 * applying one costs the same after thousands.
 */
import { applyPayment, type PaymentOutcome } from '../domain/apply-payment.js';
import { periodOf, type IsoDate } from '../domain/dates.js';
import { formatMoney, roundMoney } from '../domain/money.js';
import { discrepancyId, type Discrepancy } from '../domain/reconcile-period.js';
import type { Payment } from '../domain/billing-types.js';
import type { UseCaseDeps } from './deps.js';
import { discrepancyMessage } from './messages.js';
import type { PaymentBook, PayableInvoice } from './ports.js';
import { sendReceipt, type ReceiptDeps } from './send-receipts.js';

/** What applying payments needs: the payments and their invoices, the discrepancy queue, receipts. */
export type PaymentDeps = ReceiptDeps & UseCaseDeps<PaymentBook, 'discrepancyQueue'>;

export async function importPayments(deps: UseCaseDeps<PaymentBook>, payments: readonly Payment[]): Promise<number> {
  return deps.ledger.addPayments(payments);
}

export interface PaymentsResult {
  readonly applied: number;
  readonly unapplied: number;
}

/** Applies every stored payment received on or before `today` that was not applied yet. */
export async function applyDuePayments(deps: PaymentDeps, input: { today: IsoDate }): Promise<PaymentsResult> {
  let applied = 0;
  let unapplied = 0;
  for (const payment of await deps.ledger.pendingPayments(input.today)) {
    const outcome = await applyOne(deps, payment, input.today);
    if (outcome?.applied) applied += 1;
    if (outcome?.unapplied) unapplied += 1;
  }
  return { applied, unapplied };
}

/**
 * Stores one payment and applies it at once (a provider's webhook or auto-pay: the money is in,
 * no need to wait for the next day's run). Idempotent by payment id, like the CSV path: a second
 * call, or the daily run meeting it later, finds it recorded and changes nothing.
 */
export async function applyPaymentNow(
  deps: PaymentDeps,
  payment: Payment,
  today: IsoDate,
): Promise<PaymentOutcome | undefined> {
  await deps.ledger.addPayments([payment]);
  return applyOne(deps, payment, today);
}

/** How many times a payment is tried again after other payments were applied to its invoice first. */
const CONFLICT_ATTEMPTS = 20;

/**
 * Applies one payment on its invoice's running totals; undefined when it was recorded already.
 * The payment's status and the totals are read in one snapshot: a run that lists a payment
 * another run then applies must not decide it again on totals that count it (it would look
 * like an overpayment). When another worker applies a payment to the same invoice between the
 * read and the write, the write is refused and the payment is decided again on the new totals.
 */
async function applyOne(deps: PaymentDeps, payment: Payment, today: IsoDate): Promise<PaymentOutcome | undefined> {
  for (let attempt = 1; attempt <= CONFLICT_ATTEMPTS; attempt += 1) {
    const { pending, invoice: target } = await deps.ledger.paymentTarget(payment);
    if (!pending) return undefined; // another run recorded it since the list was read
    const issued = target && target.invoice.issueDate <= payment.receivedOn ? target : undefined;
    const outcome = applyPayment(payment, issued);
    if (outcome.duplicate) return undefined;
    if (outcome.unapplied) {
      // Queued before the payment is recorded: if the job dies in between, the retry finds the
      // payment still pending and queues it again; the worker stores it once by its id.
      await deps.discrepancyQueue.send([
        {
          id: `unapplied#${payment.paymentId}`,
          body: discrepancyMessage(today, unappliedDiscrepancy(payment, outcome.unapplied)),
        },
      ]);
    }
    // Recorded before the payment, so a job that dies in between finds both on its retry.
    if (outcome.applied && issued)
      await sendReceipt(deps, { payment, account: issued, applied: outcome.applied.amount, today });
    const result = await deps.ledger.recordPayment(
      payment,
      outcome.applied && issued
        ? { invoice: issued, amount: outcome.applied.amount, stillOpen: stillOpen(issued, outcome.applied.amount) }
        : undefined,
    );
    if (result === 'recorded') return outcome;
    if (result === 'duplicate') return undefined;
  }
  throw new Error(
    `Payment ${payment.paymentId} was not applied to ${payment.invoiceNumber}: other payments were applied to it first ${CONFLICT_ATTEMPTS} times`,
  );
}

function stillOpen(target: PayableInvoice, amount: Payment['amount']): boolean {
  return roundMoney(target.invoice.total.minus(target.paid.plus(amount)), target.invoice.currency).greaterThan(0);
}

function unappliedDiscrepancy(
  payment: Payment,
  unapplied: { amount: Payment['amount']; reason: string; currency: string },
): Discrepancy {
  return {
    id: discrepancyId(periodOf(payment.receivedOn), 'unapplied_payment', { paymentId: payment.paymentId }),
    period: periodOf(payment.receivedOn),
    type: 'unapplied_payment',
    amountAtStake: unapplied.amount,
    currency: unapplied.currency,
    detail: `Payment ${payment.paymentId} of ${formatMoney(payment.amount, payment.currency)} ${payment.currency} for ${payment.invoiceNumber}: ${unapplied.reason.replace(/_/g, ' ')}`,
  };
}

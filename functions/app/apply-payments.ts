/**
 * Payments (SPEC.md section 6): stored when imported, applied on their received_on day, once
 * per payment id. Money that cannot be applied (unknown invoice, other currency, overpayment)
 * becomes an `unapplied_payment` discrepancy with the amount recorded.
 */
import { applyPayment } from '../domain/apply-payment.js';
import { periodOf, type IsoDate } from '../domain/dates.js';
import { formatMoney } from '../domain/money.js';
import { discrepancyId, type Discrepancy } from '../domain/reconcile-period.js';
import type { Payment } from '../domain/types.js';
import type { Deps } from './deps.js';
import { sendReceipt } from './send-receipts.js';

export async function importPayments(deps: Deps, payments: readonly Payment[]): Promise<number> {
  return deps.ledger.addPayments(payments);
}

export interface PaymentsResult {
  readonly applied: number;
  readonly unapplied: number;
}

/** Applies every stored payment received on or before `today` that was not applied yet. */
export async function applyDuePayments(deps: Deps, input: { today: IsoDate }): Promise<PaymentsResult> {
  let applied = 0;
  let unapplied = 0;
  for (const payment of await deps.ledger.pendingPayments(input.today)) {
    const target = await deps.ledger.getInvoice(payment.invoiceNumber);
    const issued = target && target.invoice.issueDate <= payment.receivedOn ? target : undefined;
    const outcome = applyPayment(payment, issued);
    if (outcome.duplicate) continue;
    if (outcome.unapplied) {
      // Queued before the payment is recorded: if the job dies in between, the retry finds the
      // payment still pending and queues it again; the worker stores it once by its id.
      await deps.discrepancyQueue.send([{ id: `unapplied#${payment.paymentId}`, body: { type: 'discrepancy', openedOn: input.today, discrepancy: unappliedDiscrepancy(payment, outcome.unapplied) } }]);
    }
    if (outcome.applied && issued) await sendReceipt(deps, { payment, account: issued, applied: outcome.applied.amount, today: input.today });
    const recorded = await deps.ledger.recordPayment(
      payment,
      outcome.applied && issued ? { invoice: issued, amount: outcome.applied.amount, stillOpen: stillOpen(issued, outcome.applied.amount) } : undefined,
    );
    if (!recorded) continue;
    if (outcome.applied) applied += 1;
    if (outcome.unapplied) unapplied += 1;
  }
  return { applied, unapplied };
}

function stillOpen(target: NonNullable<Awaited<ReturnType<Deps['ledger']['getInvoice']>>>, amount: Payment['amount']): boolean {
  const paid = target.payments.reduce((total, p) => total.plus(p.amount), amount);
  return target.invoice.total.minus(paid).greaterThan(0);
}

function unappliedDiscrepancy(payment: Payment, unapplied: { amount: Payment['amount']; reason: string; currency: string }): Discrepancy {
  return {
    id: discrepancyId(periodOf(payment.receivedOn), 'unapplied_payment', { paymentId: payment.paymentId }),
    period: periodOf(payment.receivedOn),
    type: 'unapplied_payment',
    amountAtStake: unapplied.amount,
    currency: unapplied.currency,
    detail: `Payment ${payment.paymentId} of ${formatMoney(payment.amount, payment.currency)} ${payment.currency} for ${payment.invoiceNumber}: ${unapplied.reason.replace(/_/g, ' ')}`,
  };
}

/**
 * Auto-pay (docs/auto-pay.md): a daily job that charges the saved payment method of clients
 * with `auto_pay` for each open invoice whose auto-pay day (its issue or due date, by
 * `payments.autoPayOn`) has come. One attempt per invoice, ever: what it decided is recorded in
 * the AutoPayLog, and an invoice with an attempt is never charged again by auto-pay (a failed
 * one is left to dunning and the Pay link).
 *
 * Retry-safe: every step is idempotent by its own key, in the order charge → email → attempt
 * recorded → payment applied, so a run that dies anywhere re-runs to the same state (a recorded
 * charge whose money is not applied yet is applied by the next run). The charge is asked for
 * with the idempotency key `autopay-<number>` (the provider returns the first result, never a
 * second charge); the email is one outbox entry `autopay#<number>`; the payment is stored once
 * by the provider's id; a discrepancy once by its deterministic id.
 */
import type { IsoDate } from '../domain/dates.js';
import { invoiceBalance } from '../domain/invoice-balance.js';
import { formatMoney, type Dec } from '../domain/money.js';
import { discrepancyId, type Discrepancy } from '../domain/reconcile-period.js';
import type { Client, Payment, PaymentSettings, ReferenceData } from '../domain/billing-types.js';
import { autoPayEmail } from '../render/auto-pay-email.js';
import { applyPaymentNow, type PaymentDeps } from './apply-payments.js';
import type { PaymentsWiring, UseCaseDeps } from './deps.js';
import { deliverEmailMessage, discrepancyMessage } from './messages.js';
import type { AutoPayAttempt, AutoPayLog, InvoiceBook, LedgerInvoice, Outbox, ReferenceDataStore } from './ports.js';
import { requireReference } from './run-billing.js';
import { clientSender, prepareEmail } from './send-email.js';

/** What auto-pay needs: open invoices, its log, the provider, and what applying a payment needs. */
export type AutoPayDeps = PaymentDeps &
  UseCaseDeps<InvoiceBook & AutoPayLog & ReferenceDataStore & Outbox, 'payments' | 'artifacts' | 'workQueue' | 'log'>;

/** How many attempts the run decided, by outcome. */
export type AutoPayResult = Readonly<Record<AutoPayAttempt['status'], number>>;

const NOTHING: AutoPayResult = { succeeded: 0, processing: 0, failed: 0, skipped: 0 };

export function autoPayKey(invoiceNumber: string): string {
  return `autopay#${invoiceNumber}`;
}

/** The idempotency key of the charge: the provider answers a retry with the first attempt's result. */
export function autoPayChargeKey(invoiceNumber: string): string {
  return `autopay-${invoiceNumber}`;
}

/**
 * Charges every auto-pay invoice due by `today` that has no attempt yet. Does nothing when
 * trueup.json has no `payments` or no provider is wired.
 */
export async function runAutoPay(deps: AutoPayDeps, input: { today: IsoDate }): Promise<AutoPayResult> {
  const reference = await requireReference(deps);
  const { payments: settings } = reference.settings;
  if (!settings || !deps.payments) return NOTHING;
  const clients = new Map(
    reference.clients.flatMap((c) =>
      c.autoPay === true && c.paymentCustomerId ? [[c.clientId, { client: c, customerId: c.paymentCustomerId }]] : [],
    ),
  );
  if (clients.size === 0) return NOTHING;
  const counts = { ...NOTHING };
  const errors: { invoiceNumber: string; error: unknown }[] = [];
  for (const account of await deps.ledger.listInvoices({ openOnly: true })) {
    const payer = clients.get(account.invoice.clientId);
    if (!payer || !isDue(account, settings, input.today)) continue;
    const earlier = await deps.ledger.getAutoPay(account.invoice.number);
    if (earlier) {
      // Decided before. A run that died after recording a charge and before applying its money
      // left the invoice open: apply it now (a no-op when it was applied).
      if (earlier.status === 'succeeded') await applyPaymentNow(deps, attemptPayment(earlier), input.today);
      continue;
    }
    try {
      const attempt = await attemptAutoPay(deps, deps.payments, reference, payer, account, input.today);
      counts[attempt.status] += 1;
    } catch (error) {
      // One invoice the provider refuses (an outage, a changed request under the same key) must
      // not hold up every other client's: the others go on, and the run fails at the end.
      deps.log.warn('auto-pay attempt failed; a re-run tries it again', {
        invoiceNumber: account.invoice.number,
        error: String(error),
      });
      errors.push({ invoiceNumber: account.invoice.number, error });
    }
  }
  if (errors.length > 0) throw new AutoPayError(errors);
  return counts;
}

/** Some invoices could not be attempted; every other invoice of the run was. A re-run retries them. */
export class AutoPayError extends Error {
  override readonly name = 'AutoPayError';
  /** The errors themselves, one per invoice not attempted (the first is also `cause`). */
  readonly causes: readonly unknown[];
  constructor(readonly failures: readonly { invoiceNumber: string; error: unknown }[]) {
    super(
      `Auto-pay could not attempt ${failures.length} invoice(s): ${failures.map((f) => `${f.invoiceNumber}: ${String(f.error)}`).join('; ')}`,
      { cause: failures[0]?.error },
    );
    this.causes = failures.map((f) => f.error);
  }
}

/** The invoice's auto-pay day: its issue date or its due date. */
export function autoPayDay(account: LedgerInvoice, settings: Pick<PaymentSettings, 'autoPayOn'>): IsoDate {
  return settings.autoPayOn === 'issue_date' ? account.invoice.issueDate : account.invoice.dueDate;
}

/**
 * On or after its auto-pay day (a missed day catches up), with money to take: not disputed,
 * not void, a balance left.
 */
function isDue(account: LedgerInvoice, settings: PaymentSettings, today: IsoDate): boolean {
  if (autoPayDay(account, settings) > today || account.disputedOn !== undefined) return false;
  const { status, balance } = invoiceBalance(account, today);
  return status !== 'void' && status !== 'paid' && balance.greaterThan(0);
}

/** Decides one invoice's attempt, takes its effects, and records it (before applying its money). */
async function attemptAutoPay(
  deps: AutoPayDeps,
  payments: PaymentsWiring,
  reference: ReferenceData,
  payer: { client: Client; customerId: string },
  account: LedgerInvoice,
  today: IsoDate,
): Promise<AutoPayAttempt> {
  const { client, customerId } = payer;
  const { invoice } = account;
  const balance = invoiceBalance(account, today).balance;
  const attempt = { invoiceNumber: invoice.number, clientId: client.clientId, on: today, currency: invoice.currency };
  const money = (value: Dec): string => `${invoice.currency} ${formatMoney(value, invoice.currency)}`;

  if (client.autoPayCap !== undefined && balance.greaterThan(client.autoPayCap)) {
    const reason = `the balance ${money(balance)} is over the auto-pay cap ${money(client.autoPayCap)}`;
    await reportFailure(deps, account, balance, `not charged: ${reason}`, today);
    return record(deps, { ...attempt, status: 'skipped', amount: balance, reason });
  }

  const result = await payments.provider.chargeSavedMethod({
    invoiceNumber: invoice.number,
    clientId: client.clientId,
    customerId,
    amount: balance,
    currency: invoice.currency,
    description: `Invoice ${invoice.number} — ${reference.settings.msp.name}`,
    idempotencyKey: autoPayChargeKey(invoice.number),
  });
  if (result.status === 'failed') {
    await reportFailure(deps, account, balance, `declined: ${result.reason}`, today, result.providerReference);
    return record(deps, {
      ...attempt,
      status: 'failed',
      amount: balance,
      reason: result.reason,
      ...(result.providerReference ? { providerReference: result.providerReference } : {}),
    });
  }
  const charged = {
    ...attempt,
    amount: result.payment.amount,
    providerReference: result.payment.providerReference,
    ...(result.payment.methodDetail ? { methodDetail: result.payment.methodDetail } : {}),
  };
  // A bank debit settles days later: the provider's webhook brings the payment then.
  if (result.status === 'processing') return record(deps, { ...charged, status: 'processing' });

  const succeeded: AutoPayAttempt = {
    ...charged,
    status: 'succeeded',
    ...(result.payment.method ? { method: result.payment.method } : {}),
  };
  const payment = attemptPayment(succeeded);
  // The email and the attempt before the payment: once the payment makes the invoice paid, it
  // leaves the open list, and a re-run after a crash would never come back to them. A run that
  // dies after recording the attempt applies its payment on the re-run (runAutoPay).
  await sendAutoPayEmail(deps, reference, client, account, payment, today);
  await record(deps, succeeded);
  await applyPaymentNow(deps, payment, today);
  // The provider's fee, when the charge's answer already knows it; otherwise (or when a run dies
  // before this) the provider's webhook brings it with the same payment id.
  if (result.payment.fee) await deps.ledger.recordPaymentFee(payment.paymentId, result.payment.fee);
  return succeeded;
}

async function record(deps: UseCaseDeps<AutoPayLog>, attempt: AutoPayAttempt): Promise<AutoPayAttempt> {
  await deps.ledger.recordAutoPay(attempt); // false: a concurrent run recorded the same decision first
  return attempt;
}

/**
 * The payment of a succeeded charge, as the webhook records the same money (docs/payments.md):
 * the provider's id is the payment id, so whichever of the two comes second is a duplicate;
 * received on the day auto-pay charged it. Built from the recorded attempt alone, so a re-run
 * rebuilds the same payment.
 */
function attemptPayment(attempt: AutoPayAttempt): Payment {
  const id = attempt.providerReference ?? autoPayChargeKey(attempt.invoiceNumber);
  return {
    paymentId: id,
    invoiceNumber: attempt.invoiceNumber,
    amount: attempt.amount,
    currency: attempt.currency.toUpperCase(),
    receivedOn: attempt.on,
    reference: autoPayChargeKey(attempt.invoiceNumber),
    providerReference: id,
    ...(attempt.method ? { method: attempt.method } : {}),
    ...(attempt.methodDetail ? { methodDetail: attempt.methodDetail } : {}),
  };
}

/**
 * A `payment_failed` discrepancy for the billing team; the invoice stays open and dunning goes
 * on. Its id is fixed by the invoice's period and the declined PaymentIntent (or, with no
 * charge asked for, `autopay-<number>`), so a re-run (even on a later day) queues the same one,
 * and the webhook's report of the same decline is the same discrepancy.
 */
async function reportFailure(
  deps: AutoPayDeps,
  account: LedgerInvoice,
  balance: Dec,
  what: string,
  today: IsoDate,
  /** The provider's id of the declined attempt: the webhook reports the same decline under it. */
  providerReference?: string,
): Promise<void> {
  const { invoice } = account;
  const paymentId = providerReference ?? autoPayChargeKey(invoice.number);
  const discrepancy: Discrepancy = {
    id: discrepancyId(invoice.period, 'payment_failed', { paymentId }),
    period: invoice.period,
    type: 'payment_failed',
    clientId: invoice.clientId,
    amountAtStake: balance,
    currency: invoice.currency,
    detail: `Auto-pay of ${invoice.currency} ${formatMoney(balance, invoice.currency)} for ${invoice.number} ${what}`,
  };
  await deps.discrepancyQueue.send([
    { id: `payment_failed#${paymentId}`, body: discrepancyMessage(today, discrepancy) },
  ]);
}

/** Records the auto-pay email once (`autopay#<number>`) and queues it for the invoice workers. */
async function sendAutoPayEmail(
  deps: AutoPayDeps,
  reference: ReferenceData,
  client: Client,
  account: LedgerInvoice,
  payment: Payment,
  today: IsoDate,
): Promise<void> {
  const key = autoPayKey(account.invoice.number);
  const existing = await deps.ledger.getOutbox(key);
  if (existing && existing.status !== 'pending') return;
  if (!existing) {
    const entry = await prepareEmail(deps, {
      key,
      kind: 'auto_pay',
      date: today,
      from: clientSender(reference.settings),
      to: client.billingEmails,
      content: autoPayEmail({
        settings: reference.settings,
        client,
        date: today,
        invoice: account.invoice,
        amount: payment.amount,
        currency: payment.currency,
        paymentId: payment.paymentId,
        ...(payment.methodDetail ? { methodDetail: payment.methodDetail } : {}),
      }),
      invoices: [{ number: account.invoice.number }],
    });
    await deps.ledger.putOutbox(entry); // false: a concurrent run recorded it; the send lease keeps it to one
  }
  await deps.workQueue.send([{ id: `email#${key}`, body: deliverEmailMessage(key) }]);
}

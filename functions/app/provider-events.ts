/**
 * The payment provider's webhook (docs/payments.md): a verified event becomes what the rest of
 * TrueUp already knows how to handle.
 *
 * - money in (`payment_succeeded`): a payment whose id is the provider's (`pi_…`), applied at
 *   once by the SPEC §6 rules (applyPaymentNow): unknown or not-yet-issued invoice, other
 *   currency, overpayment → unapplied with an `unapplied_payment` discrepancy;
 * - a refund: a payment `re_…` with the negative amount, applied the same way;
 * - a failure: a `payment_failed` discrepancy (the invoice is untouched, so dunning continues);
 * - a dispute: the invoice is marked disputed (dunning stops) and the billing team alerted once;
 * - the provider's fee: kept with its payment when the read knows it, or added once later
 *   (`fee_reported`), never holding up the money.
 *
 * Retry-safe without a lock: every effect is idempotent by its own key (payment id, discrepancy
 * id, outbox key, the invoice's first dispute date), and the event is recorded in the event log
 * last. A redelivery finds it there and changes nothing; a delivery that died halfway (or two
 * deliveries at once) redo the effects, which find themselves done. A delivery refused (bad
 * signature, too old, a type TrueUp does not handle) leaves no trace at all.
 */
import { dateInZone, periodOf, type IsoDate } from '../domain/dates.js';
import { formatMoney } from '../domain/money.js';
import { discrepancyId, type Discrepancy } from '../domain/reconcile-period.js';
import type { Payment, ReferenceData } from '../domain/billing-types.js';
import { disputeAlertEmail } from '../render/dispute-email.js';
import { applyPaymentNow, type PaymentDeps } from './apply-payments.js';
import type { UseCaseDeps } from './deps.js';
import { deliverEmailMessage, discrepancyMessage } from './messages.js';
import {
  WebhookRejected,
  type InvoiceBook,
  type Outbox,
  type ProviderEvent,
  type ProviderEventLog,
  type ProviderFee,
  type ProviderPayment,
  type ReferenceDataStore,
} from './ports.js';
import { prepareEmail } from './send-email.js';

/** What handling provider events needs: applying payments, the invoices, the event log, the outbox. */
export type ProviderEventDeps = PaymentDeps &
  UseCaseDeps<ProviderEventLog & InvoiceBook & ReferenceDataStore & Outbox, 'payments' | 'log'>;

/**
 * The invoice number of money whose metadata names none (a payment made outside TrueUp's
 * pages): no invoice has it, so the money is unapplied. DynamoDB keys cannot be empty.
 */
export const NO_INVOICE = '(none)';

/** The largest webhook body accepted (Stripe's events are a few KB). */
export const MAX_WEBHOOK_BYTES = 256 * 1024;

export interface WebhookAnswer {
  /** 200 handled or already handled; 400 refused (no side effects); 503 payments not wired. */
  readonly status: 200 | 400 | 503;
  readonly outcome: string;
  readonly eventId?: string;
}

/**
 * One webhook delivery: verified and read by the provider, then handled once. A delivery the
 * provider refuses (WebhookRejected) or of an unsupported type is answered 400 and leaves the
 * ledger as it was. Any other error is thrown: the endpoint answers 500 and the provider
 * retries the delivery later.
 */
export async function handleWebhookDelivery(
  deps: ProviderEventDeps,
  delivery: { payload: string; signature: string | undefined },
): Promise<WebhookAnswer> {
  const provider = deps.payments?.provider;
  if (!provider) return { status: 503, outcome: 'payments are not wired' };
  let event: ProviderEvent;
  try {
    event = await provider.parseWebhook(delivery.payload, delivery.signature);
  } catch (error) {
    if (error instanceof WebhookRejected) {
      deps.log.warn('webhook rejected', { reason: error.message });
      return { status: 400, outcome: `rejected: ${error.message}` };
    }
    throw error;
  }
  if (event.kind === 'unsupported') {
    deps.log.warn('webhook event type not handled', { eventId: event.id, type: event.type });
    return { status: 400, outcome: `unsupported event type ${event.type}`, eventId: event.id };
  }
  const outcome = await handleProviderEvent(deps, event);
  return { status: 200, outcome, eventId: event.id };
}

/** Handles one verified event once; returns what it did (`duplicate` for an event handled before). */
export async function handleProviderEvent(
  deps: ProviderEventDeps,
  event: Exclude<ProviderEvent, { kind: 'unsupported' }>,
): Promise<string> {
  if (await deps.ledger.getProviderEvent(event.id)) return 'duplicate';
  const reference = await deps.ledger.loadReferenceData();
  if (!reference) throw new Error('No reference data imported: cannot date the provider event');
  const receivedOn = dateInZone(new Date(event.created * 1000), reference.settings.timezone);
  const { outcome, invoiceNumber } = await effects(deps, reference, event, receivedOn);
  await deps.ledger.recordProviderEvent({
    id: event.id,
    type: event.type,
    receivedOn,
    ...(invoiceNumber !== undefined ? { invoiceNumber } : {}),
    outcome: loggedOutcome(event, outcome),
  });
  deps.log.info('provider event handled', { eventId: event.id, type: event.type, invoiceNumber, outcome });
  return outcome;
}

async function effects(
  deps: ProviderEventDeps,
  reference: ReferenceData,
  event: Exclude<ProviderEvent, { kind: 'unsupported' }>,
  receivedOn: IsoDate,
): Promise<{ outcome: string; invoiceNumber: string | undefined }> {
  switch (event.kind) {
    case 'payment_succeeded':
      return {
        outcome: await applyMoney(deps, providerPayment(event.payment, event.id, receivedOn), receivedOn),
        invoiceNumber: event.payment.invoiceNumber,
      };
    case 'fee_reported':
      return { outcome: await recordReportedFee(deps, event), invoiceNumber: event.invoiceNumber };
    case 'refunded': {
      const outcomes: string[] = [];
      for (const refund of event.refunds) {
        const payment: Payment = {
          paymentId: refund.refundId,
          invoiceNumber: refund.invoiceNumber ?? NO_INVOICE,
          amount: refund.amount.negated(),
          currency: refund.currency,
          receivedOn,
          method: 'refund',
          reference: event.id,
          providerReference: refund.refundId,
          ...feeFields(refund.fee),
        };
        outcomes.push(`${refund.refundId} ${await applyMoney(deps, payment, receivedOn)}`);
      }
      return {
        outcome: `refunded: ${outcomes.join(', ') || 'nothing'}`,
        invoiceNumber: event.refunds[0]?.invoiceNumber,
      };
    }
    case 'payment_failed':
      await recordFailure(deps, event.payment, event.reason, receivedOn);
      return { outcome: 'failed', invoiceNumber: event.payment.invoiceNumber };
    case 'disputed':
      return {
        outcome: await recordDispute(deps, reference, event, receivedOn),
        invoiceNumber: event.payment.invoiceNumber,
      };
    case 'noted':
      return { outcome: 'noted', invoiceNumber: event.invoiceNumber };
  }
}

/**
 * What the event log keeps: what the event was about, not what this delivery happened to do.
 * A delivery that died after applying its money and is retried finds the payment recorded
 * ("duplicate"); the log must read the same as if the first attempt had finished, so money
 * events are logged by the payments they carry (their outcome is in the payments themselves).
 */
function loggedOutcome(event: Exclude<ProviderEvent, { kind: 'unsupported' }>, outcome: string): string {
  switch (event.kind) {
    case 'payment_succeeded':
      return `payment ${event.payment.providerReference}`;
    case 'refunded':
      return `refunds ${event.refunds.map((r) => r.refundId).join(', ') || 'none'}`;
    case 'fee_reported':
      return `fee of ${event.paymentReference}`;
    default:
      return outcome;
  }
}

/** Provider money as a TrueUp payment: its id is the provider's, its reference the event's. */
export function providerPayment(money: ProviderPayment, eventId: string, receivedOn: IsoDate): Payment {
  return {
    paymentId: money.providerReference,
    invoiceNumber: money.invoiceNumber ?? NO_INVOICE,
    amount: money.amount,
    currency: money.currency,
    receivedOn,
    ...(money.method !== undefined ? { method: money.method } : {}),
    reference: eventId,
    providerReference: money.providerReference,
    ...(money.methodDetail !== undefined ? { methodDetail: money.methodDetail } : {}),
    ...(money.surcharge !== undefined && !money.surcharge.isZero() ? { surcharge: money.surcharge } : {}),
    ...feeFields(money.fee),
  };
}

function feeFields(fee: ProviderFee | undefined): Pick<Payment, 'fee' | 'feeCurrency'> {
  return fee ? { fee: fee.amount, feeCurrency: fee.currency } : {};
}

/**
 * Applies money by the SPEC §6 rules; `duplicate` when this payment id was recorded before.
 * A fee the provider reports with the money is then added to the payment if it has none: the
 * payment may have been stored by an earlier event (or a concurrent delivery) before the fee
 * was known, and this read is the one that knows it. Once: the first fee stays.
 */
async function applyMoney(deps: ProviderEventDeps, payment: Payment, today: IsoDate): Promise<string> {
  const outcome = await applyPaymentNow(deps, payment, today);
  if (payment.fee !== undefined && payment.feeCurrency !== undefined)
    await deps.ledger.recordPaymentFee(payment.paymentId, { amount: payment.fee, currency: payment.feeCurrency });
  if (!outcome) return 'duplicate';
  if (outcome.applied && outcome.unapplied) return 'applied, part unapplied';
  return outcome.applied ? 'applied' : 'unapplied';
}

/**
 * How long after its charge a fee may arrive before its payment is recorded: Stripe sends a
 * charge's events within seconds of each other and retries a failed delivery for three days.
 */
export const FEE_WAITS_FOR_PAYMENT_SECONDS = 3 * 86_400;

/**
 * A fee reported after its payment (Stripe `charge.updated`): added to the payment once. When
 * the payment is not recorded yet (the payment's own delivery is still running, or comes
 * later), a fresh charge's fee is refused with an error, so the provider delivers it again
 * (the endpoint answers 500) and nothing is lost; an old charge (edited years later, never a
 * TrueUp payment) is only noted.
 */
async function recordReportedFee(
  deps: ProviderEventDeps,
  event: Extract<ProviderEvent, { kind: 'fee_reported' }>,
): Promise<string> {
  const result = await deps.ledger.recordPaymentFee(event.paymentReference, event.fee);
  if (result === 'recorded') return 'fee recorded';
  if (result === 'known') return 'fee known';
  if (event.created - event.chargeCreated <= FEE_WAITS_FOR_PAYMENT_SECONDS)
    throw new Error(`The fee of payment ${event.paymentReference} arrived before the payment: retry the delivery`);
  return 'fee noted, no such payment';
}

/**
 * A failed payment: a `payment_failed` discrepancy, once per payment (the checkout's failure
 * and the PaymentIntent's failure of one attempt are the same). The invoice is not touched:
 * its balance stays open and dunning goes on.
 */
async function recordFailure(
  deps: ProviderEventDeps,
  money: ProviderPayment,
  reason: string,
  receivedOn: IsoDate,
): Promise<void> {
  const invoice = money.invoiceNumber ? await deps.ledger.getInvoice(money.invoiceNumber) : undefined;
  // The invoice's period when there is one: auto-pay reports its own declines under the same id
  // (the invoice's period and the PaymentIntent), so a decline it saw and the webhook that
  // follows it are one discrepancy.
  const period = invoice ? invoice.invoice.period : periodOf(receivedOn);
  const discrepancy: Discrepancy = {
    id: discrepancyId(period, 'payment_failed', { paymentId: money.providerReference }),
    period,
    type: 'payment_failed',
    ...(invoice ? { clientId: invoice.invoice.clientId } : {}),
    amountAtStake: money.amount,
    currency: money.currency,
    detail: `Payment ${money.providerReference} of ${formatMoney(money.amount, money.currency)} ${money.currency} for ${money.invoiceNumber ?? 'no invoice'} failed: ${reason}`,
  };
  await deps.discrepancyQueue.send([
    { id: `payment_failed#${money.providerReference}`, body: discrepancyMessage(receivedOn, discrepancy) },
  ]);
}

/**
 * A dispute: the invoice is marked disputed (the first date and reason are kept, so a second
 * delivery changes nothing) and one alert goes to the report recipients, recorded in the outbox
 * under `dispute#<id>` and sent by the invoice workers.
 */
async function recordDispute(
  deps: ProviderEventDeps,
  reference: ReferenceData,
  event: Extract<ProviderEvent, { kind: 'disputed' }>,
  receivedOn: IsoDate,
): Promise<string> {
  const number = event.payment.invoiceNumber;
  const invoice = number ? await deps.ledger.getInvoice(number) : undefined;
  if (invoice)
    await deps.ledger.disputeInvoice(
      invoice.invoice.number,
      receivedOn,
      `Payment ${event.payment.providerReference} disputed with the bank (${event.disputeId}): ${event.reason}`,
    );
  await alertBillingTeam(deps, reference, event, invoice?.invoice, receivedOn);
  return invoice ? 'disputed' : 'disputed, no invoice';
}

export function disputeKey(disputeId: string): string {
  return `dispute#${disputeId}`;
}

async function alertBillingTeam(
  deps: ProviderEventDeps,
  reference: ReferenceData,
  event: Extract<ProviderEvent, { kind: 'disputed' }>,
  invoice: { number: string; clientId: string } | undefined,
  receivedOn: IsoDate,
): Promise<void> {
  const { settings } = reference;
  if (settings.reports.recipients.length === 0) return;
  const key = disputeKey(event.disputeId);
  const existing = await deps.ledger.getOutbox(key);
  if (existing && existing.status !== 'pending') return;
  if (!existing) {
    const client = invoice && reference.clients.find((c) => c.clientId === invoice.clientId);
    const entry = await prepareEmail(deps, {
      key,
      kind: 'payment_disputed',
      date: receivedOn,
      from: settings.msp.email,
      to: settings.reports.recipients,
      content: disputeAlertEmail({
        settings,
        disputeId: event.disputeId,
        paymentReference: event.payment.providerReference,
        invoiceNumber: invoice?.number,
        clientName: client?.name,
        amount: event.payment.amount,
        currency: event.payment.currency,
        reason: event.reason,
        on: receivedOn,
      }),
      invoices: invoice ? [{ number: invoice.number }] : [],
    });
    await deps.ledger.putOutbox(entry); // false: a concurrent delivery recorded it first; one send either way
  }
  await deps.workQueue.send([{ id: `email#${key}`, body: deliverEmailMessage(key) }]);
}

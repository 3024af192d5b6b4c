/**
 * Stripe events in TrueUp's terms (docs/payments.md, decision 5 of the design): which event
 * types are handled and what each means for the ledger. Amounts leave Stripe's integer minor
 * units here (fromMinorUnits) and never become floats; currencies become upper case.
 *
 * What an event does not carry is read back through `StripeLookups` (the PaymentIntent's
 * metadata and card behind a dispute, the refunds of a charge when the API version no longer
 * includes them), so the same mapping runs against recorded fixtures with lookups from files.
 */
import type Stripe from 'stripe';
import type { ProviderEvent, ProviderFee, ProviderPayment, ProviderRefund } from '../../app/ports.js';
import { Dec, fromMinorUnits } from '../../domain/money.js';

/** The metadata keys TrueUp sets on every Checkout Session and PaymentIntent it creates. */
export const METADATA = {
  invoice: 'trueup_invoice',
  client: 'trueup_client',
  /** The card surcharge in minor units, when any. */
  surcharge: 'trueup_surcharge',
  /** An off-session charge's idempotency key (`autopay-<number>`): found again after Stripe forgot the key. */
  chargeKey: 'trueup_charge_key',
} as const;

/** The event types TrueUp handles (enable exactly these on the webhook endpoint). */
export const HANDLED_EVENT_TYPES = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'charge.refunded',
  'charge.updated',
  'charge.dispute.created',
] as const;

export interface StripeLookups {
  /** The PaymentIntent with `latest_charge.balance_transaction` expanded (the fee). */
  retrieveIntent(id: string): Promise<Stripe.PaymentIntent>;
  /** The charge with `balance_transaction` expanded. */
  retrieveCharge(id: string): Promise<Stripe.Charge>;
  /** Every refund of a charge, `balance_transaction` expanded. */
  listRefunds(chargeId: string): Promise<Stripe.Refund[]>;
}

type Session = Stripe.Checkout.Session;

export async function toProviderEvent(event: Stripe.Event, lookups: StripeLookups): Promise<ProviderEvent> {
  const base = { id: event.id, type: event.type, created: event.created };
  const object: unknown = event.data.object;
  switch (event.type) {
    case 'checkout.session.completed': {
      const session = object as Session;
      if (session.payment_status !== 'paid')
        return { ...base, kind: 'noted', invoiceNumber: session.metadata?.[METADATA.invoice] ?? undefined };
      return { ...base, kind: 'payment_succeeded', payment: await sessionPayment(session, lookups) };
    }
    case 'checkout.session.async_payment_succeeded':
      return { ...base, kind: 'payment_succeeded', payment: await sessionPayment(object as Session, lookups) };
    case 'checkout.session.async_payment_failed': {
      const session = object as Session;
      const intent = await sessionIntent(session, lookups);
      return {
        ...base,
        kind: 'payment_failed',
        payment: intent ? intentPayment(intent, chargeOf(intent)) : sessionOnlyPayment(session),
        reason: intent?.last_payment_error?.message ?? 'The bank debit failed.',
      };
    }
    case 'payment_intent.succeeded': {
      const intent = object as Stripe.PaymentIntent;
      return {
        ...base,
        kind: 'payment_succeeded',
        payment: intentPayment(intent, await latestCharge(intent, lookups)),
      };
    }
    case 'payment_intent.payment_failed': {
      const intent = object as Stripe.PaymentIntent;
      return {
        ...base,
        kind: 'payment_failed',
        payment: intentPayment(intent, await latestCharge(intent, lookups)),
        reason: intent.last_payment_error?.message ?? 'The payment failed.',
      };
    }
    case 'charge.refunded':
      return { ...base, kind: 'refunded', refunds: await chargeRefunds(object as Stripe.Charge, lookups) };
    case 'charge.updated':
      return chargeUpdated(base, object as Stripe.Charge, lookups);
    case 'charge.dispute.created': {
      const dispute = object as Stripe.Dispute;
      const intent = await disputedIntent(dispute, lookups);
      return {
        ...base,
        kind: 'disputed',
        disputeId: dispute.id,
        payment: intentPayment(intent, chargeOf(intent)),
        reason: dispute.reason,
      };
    }
    default:
      return { ...base, kind: 'unsupported' };
  }
}

/** The money of a PaymentIntent: what it received (or asked for, when it failed) less any surcharge. */
export function intentPayment(intent: Stripe.PaymentIntent, charge: Stripe.Charge | undefined): ProviderPayment {
  const currency = intent.currency.toUpperCase();
  const gross = intent.amount_received > 0 ? intent.amount_received : intent.amount;
  const surcharge = surchargeOf(intent.metadata);
  const method = charge?.payment_method_details?.type ?? soleMethod(intent.payment_method_types);
  const methodDetail = charge ? methodDetailOf(charge) : undefined;
  const fee = charge ? feeOf(charge.balance_transaction) : undefined;
  return {
    providerReference: intent.id,
    invoiceNumber: intent.metadata[METADATA.invoice],
    amount: fromMinorUnits(gross - surcharge, currency),
    ...(surcharge > 0 ? { surcharge: fromMinorUnits(surcharge, currency) } : {}),
    currency,
    ...(method !== undefined ? { method } : {}),
    ...(methodDetail !== undefined ? { methodDetail } : {}),
    ...(fee !== undefined ? { fee } : {}),
  };
}

/**
 * What Stripe kept of a charge or refund: its balance transaction's `fee` (every line of
 * `fee_details` together), in the balance transaction's currency — the account's settlement
 * currency, which can differ from the payment's. Undefined while the balance transaction does
 * not exist yet (Stripe captures asynchronously: it can be null at `payment_intent.succeeded`
 * and comes with `charge.updated`) or was not expanded.
 */
export function feeOf(transaction: string | Stripe.BalanceTransaction | null | undefined): ProviderFee | undefined {
  if (typeof transaction !== 'object' || transaction === null) return undefined;
  const currency = transaction.currency.toUpperCase();
  return { amount: fromMinorUnits(transaction.fee, currency), currency };
}

/**
 * `charge.updated`: Stripe's signal that a charge's balance transaction (its fee) exists, among
 * other edits. A succeeded charge of a PaymentIntent with one reports its fee; anything else is
 * only noted. The event's charge carries the balance transaction as an id: read it expanded.
 */
async function chargeUpdated(
  base: { id: string; type: string; created: number },
  charge: Stripe.Charge,
  lookups: StripeLookups,
): Promise<ProviderEvent> {
  const invoiceNumber = charge.metadata?.[METADATA.invoice] ?? undefined;
  const paymentReference = idOf(charge.payment_intent);
  if (charge.status !== 'succeeded' || !charge.balance_transaction || paymentReference === undefined)
    return { ...base, kind: 'noted', invoiceNumber };
  const fee = feeOf(charge.balance_transaction) ?? feeOf((await lookups.retrieveCharge(charge.id)).balance_transaction);
  if (!fee) return { ...base, kind: 'noted', invoiceNumber };
  return { ...base, kind: 'fee_reported', paymentReference, invoiceNumber, fee, chargeCreated: charge.created };
}

/** "Visa •••• 4242", "US bank account •••• 6789"; undefined when the charge says neither. */
export function methodDetailOf(charge: Stripe.Charge): string | undefined {
  const details = charge.payment_method_details;
  if (details?.card) return `${cardBrandName(details.card.brand)} •••• ${details.card.last4 ?? '????'}`;
  if (details?.us_bank_account) return `US bank account •••• ${details.us_bank_account.last4 ?? '????'}`;
  return undefined;
}

const CARD_BRANDS: Readonly<Record<string, string>> = {
  amex: 'American Express',
  cartes_bancaires: 'Cartes Bancaires',
  diners: 'Diners Club',
  discover: 'Discover',
  eftpos_au: 'eftpos',
  interac: 'Interac',
  jcb: 'JCB',
  link: 'Link',
  mastercard: 'Mastercard',
  unionpay: 'UnionPay',
  visa: 'Visa',
};

function cardBrandName(brand: string | null | undefined): string {
  if (!brand || brand === 'unknown') return 'Card';
  return CARD_BRANDS[brand] ?? brand.charAt(0).toUpperCase() + brand.slice(1);
}

function surchargeOf(metadata: Stripe.Metadata | null | undefined): number {
  const text = metadata?.[METADATA.surcharge];
  if (text === undefined || !/^\d+$/.test(text)) return 0;
  return Number(text);
}

const soleMethod = (types: readonly string[] | undefined): string | undefined =>
  types?.length === 1 ? types[0] : undefined;

const idOf = (value: string | { id: string } | null | undefined): string | undefined =>
  typeof value === 'string' ? value : (value?.id ?? undefined);

function chargeOf(intent: Stripe.PaymentIntent): Stripe.Charge | undefined {
  return typeof intent.latest_charge === 'object' && intent.latest_charge !== null ? intent.latest_charge : undefined;
}

async function latestCharge(intent: Stripe.PaymentIntent, lookups: StripeLookups): Promise<Stripe.Charge | undefined> {
  const expanded = chargeOf(intent);
  if (expanded) return expanded;
  const id = idOf(intent.latest_charge);
  return id === undefined ? undefined : lookups.retrieveCharge(id);
}

async function sessionIntent(session: Session, lookups: StripeLookups): Promise<Stripe.PaymentIntent | undefined> {
  const intent = session.payment_intent;
  if (typeof intent === 'object' && intent !== null && chargeOf(intent)) return intent;
  const id = idOf(intent);
  return id === undefined ? undefined : lookups.retrieveIntent(id);
}

/** A paid session's money: its PaymentIntent (the payment id both of its events share). */
async function sessionPayment(session: Session, lookups: StripeLookups): Promise<ProviderPayment> {
  const intent = await sessionIntent(session, lookups);
  if (!intent) return sessionOnlyPayment(session);
  const payment = intentPayment(intent, chargeOf(intent));
  return payment.invoiceNumber !== undefined
    ? payment
    : { ...payment, invoiceNumber: session.metadata?.[METADATA.invoice] ?? session.client_reference_id ?? undefined };
}

/** A session without a PaymentIntent (not expected in payment mode): its own totals and id. */
function sessionOnlyPayment(session: Session): ProviderPayment {
  const currency = (session.currency ?? '').toUpperCase();
  const surcharge = surchargeOf(session.metadata);
  const method = soleMethod(session.payment_method_types);
  return {
    providerReference: session.id,
    invoiceNumber: session.metadata?.[METADATA.invoice] ?? session.client_reference_id ?? undefined,
    amount: currency ? fromMinorUnits((session.amount_total ?? 0) - surcharge, currency) : new Dec(0),
    ...(surcharge > 0 && currency ? { surcharge: fromMinorUnits(surcharge, currency) } : {}),
    currency,
    ...(method !== undefined ? { method } : {}),
  };
}

/** The refunds of a refunded charge that took money back (pending or succeeded), each by its `re_…` id. */
async function chargeRefunds(charge: Stripe.Charge, lookups: StripeLookups): Promise<ProviderRefund[]> {
  const included = charge.refunds;
  const refunds = included && !included.has_more ? included.data : await lookups.listRefunds(charge.id);
  const paymentReference = idOf(charge.payment_intent) ?? charge.id;
  const invoiceNumber =
    charge.metadata[METADATA.invoice] ??
    (idOf(charge.payment_intent) !== undefined
      ? (await lookups.retrieveIntent(paymentReference)).metadata[METADATA.invoice]
      : undefined);
  return refunds
    .filter((refund) => refund.status === 'succeeded' || refund.status === 'pending')
    .map((refund) => {
      const fee = feeOf(refund.balance_transaction);
      return {
        refundId: refund.id,
        paymentReference,
        invoiceNumber,
        amount: fromMinorUnits(refund.amount, refund.currency.toUpperCase()),
        currency: refund.currency.toUpperCase(),
        ...(fee !== undefined ? { fee } : {}),
      };
    });
}

/** The PaymentIntent a dispute is about (its metadata names the invoice). */
async function disputedIntent(dispute: Stripe.Dispute, lookups: StripeLookups): Promise<Stripe.PaymentIntent> {
  const intentId =
    idOf(dispute.payment_intent) ?? idOf((await lookups.retrieveCharge(idOf(dispute.charge) ?? '')).payment_intent);
  if (intentId === undefined) throw new Error(`Dispute ${dispute.id} has no PaymentIntent`);
  return lookups.retrieveIntent(intentId);
}

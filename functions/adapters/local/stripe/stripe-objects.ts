/**
 * The Stripe objects the local stand-in returns and sends, in the API's shapes (the fields the
 * SDK and TrueUp's adapter read, with Stripe's names and types; test/fixtures/stripe holds full
 * recorded ones). Amounts are integers in minor units and currencies lower case, as in the API.
 */

import { minorUnits } from '../../../domain/money.js';

export type Json = { [key: string]: unknown };
export type Metadata = Record<string, string>;

/** A saved payment method of a stand-in customer. */
export interface SavedMethod {
  readonly id: string;
  readonly type: 'card' | 'us_bank_account';
  /** The card declines when charged (Stripe's `pm_card_chargeDeclined`). */
  readonly declines: boolean;
}

/**
 * The default payment method of a customer id: any `cus_…` exists; an id containing `declined`
 * has a card that declines, one containing `ach` a US bank account (settles later), any other a
 * Visa ending 4242 (Stripe's test payment methods).
 */
export function savedMethodOf(customerId: string): SavedMethod {
  if (customerId.includes('declined')) return { id: 'pm_card_chargeDeclined', type: 'card', declines: true };
  if (customerId.includes('ach')) return { id: 'pm_usBankAccount_success', type: 'us_bank_account', declines: false };
  return { id: 'pm_card_visa', type: 'card', declines: false };
}

export function customerObject(id: string, created: number): Json {
  return {
    id,
    object: 'customer',
    created,
    currency: null,
    default_source: null,
    email: null,
    invoice_settings: { custom_fields: null, default_payment_method: savedMethodOf(id).id, footer: null },
    livemode: false,
    metadata: {},
    name: null,
  };
}

export function paymentMethodObject(method: SavedMethod, customerId: string | null, created: number): Json {
  return {
    id: method.id,
    object: 'payment_method',
    created,
    customer: customerId,
    livemode: false,
    metadata: {},
    type: method.type,
    ...methodDetails(method.type),
  };
}

/** `card` / `us_bank_account` details as on a PaymentMethod and a Charge's payment_method_details. */
export function methodDetails(type: 'card' | 'us_bank_account'): Json {
  return type === 'card'
    ? {
        card: { brand: 'visa', country: 'US', exp_month: 12, exp_year: 2034, funding: 'credit', last4: '4242' },
      }
    : {
        us_bank_account: {
          account_holder_type: 'company',
          account_type: 'checking',
          bank_name: 'STRIPE TEST BANK',
          last4: '6789',
          routing_number: '110000000',
        },
      };
}

export interface ChargeInput {
  readonly id: string;
  readonly paymentIntent: string;
  readonly amount: number;
  readonly currency: string;
  readonly customer: string | null;
  readonly method: 'card' | 'us_bank_account';
  readonly paymentMethod: string;
  readonly metadata: Metadata;
  readonly created: number;
  readonly status: 'succeeded' | 'pending' | 'failed';
}

export function chargeObject(input: ChargeInput): Json {
  return {
    id: input.id,
    object: 'charge',
    amount: input.amount,
    amount_captured: input.status === 'failed' ? 0 : input.amount,
    amount_refunded: 0,
    // Set once the charge's money is in the balance (the stand-in's balance transactions).
    balance_transaction: null,
    captured: input.status !== 'failed',
    created: input.created,
    currency: input.currency,
    customer: input.customer,
    description: null,
    disputed: false,
    failure_code: input.status === 'failed' ? 'card_declined' : null,
    failure_message: input.status === 'failed' ? 'Your card was declined.' : null,
    livemode: false,
    metadata: input.metadata,
    paid: input.status === 'succeeded',
    payment_intent: input.paymentIntent,
    payment_method: input.paymentMethod,
    payment_method_details: { type: input.method, ...methodDetails(input.method) },
    refunded: false,
    status: input.status,
  };
}

/**
 * Stripe's standard pricing for a US account, in the charge's minor units: cards 2.9% + 0.30,
 * US bank accounts (ACH Direct Debit) 0.8% capped at 5.00. Rounded as Stripe rounds its fees: to
 * the nearest minor unit, halves up, and an ACH fee that would round to 0 is 1 (Stripe support,
 * "What rules do you use for rounding Stripe fees?"). The stand-in settles each charge in its own
 * currency, so the fixed part and the cap are 0.30 and 5.00 of that currency (JPY: 0 and 5).
 */
export function standardFee(amount: number, currency: string, method: 'card' | 'us_bank_account'): number {
  const unit = 10n ** BigInt(minorUnits(currency));
  const gross = BigInt(amount);
  if (method === 'card') return Number(roundHalfUp(gross * 29n, 1000n) + roundHalfUp(30n * unit, 100n));
  const fee = roundHalfUp(gross * 8n, 1000n);
  const cap = 5n * unit;
  return Number(fee > cap ? cap : fee < 1n && gross > 0n ? 1n : fee);
}

/** n / d rounded to the nearest integer, halves up (n, d ≥ 0). */
const roundHalfUp = (n: bigint, d: bigint): bigint => (2n * n + d) / (2n * d);

export interface BalanceTransactionInput {
  readonly id: string;
  /** Minor units: positive for a charge, negative for a refund. */
  readonly amount: number;
  readonly fee: number;
  readonly currency: string;
  readonly source: string;
  readonly type: 'charge' | 'refund';
  readonly created: number;
}

/** A balance transaction as Stripe returns it: the money's effect on the balance, and the fee kept. */
export function balanceTransactionObject(input: BalanceTransactionInput): Json {
  return {
    id: input.id,
    object: 'balance_transaction',
    amount: input.amount,
    available_on: input.created + 2 * 86_400,
    balance_type: 'payments',
    created: input.created,
    currency: input.currency,
    description: null,
    exchange_rate: null,
    fee: input.fee,
    fee_details:
      input.fee === 0
        ? []
        : [
            {
              amount: input.fee,
              application: null,
              currency: input.currency,
              description: 'Stripe processing fees',
              type: 'stripe_fee',
            },
          ],
    net: input.amount - input.fee,
    reporting_category: input.type,
    source: input.source,
    status: 'pending',
    type: input.type,
  };
}

export interface PaymentIntentInput {
  readonly id: string;
  readonly amount: number;
  readonly currency: string;
  readonly customer: string | null;
  readonly description: string | null;
  readonly metadata: Metadata;
  readonly methodTypes: readonly string[];
  readonly created: number;
}

export function paymentIntentObject(input: PaymentIntentInput): Json {
  return {
    id: input.id,
    object: 'payment_intent',
    amount: input.amount,
    amount_capturable: 0,
    amount_received: 0,
    canceled_at: null,
    capture_method: 'automatic',
    client_secret: `${input.id}_secret_local`,
    confirmation_method: 'automatic',
    created: input.created,
    currency: input.currency,
    customer: input.customer,
    description: input.description,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: input.metadata,
    next_action: null,
    payment_method: null,
    payment_method_types: [...input.methodTypes],
    processing: null,
    status: 'requires_payment_method',
  };
}

export function refundObject(input: {
  id: string;
  amount: number;
  charge: string;
  paymentIntent: string;
  currency: string;
  created: number;
}): Json {
  return {
    id: input.id,
    object: 'refund',
    amount: input.amount,
    balance_transaction: null,
    charge: input.charge,
    created: input.created,
    currency: input.currency,
    metadata: {},
    payment_intent: input.paymentIntent,
    reason: 'requested_by_customer',
    receipt_number: null,
    status: 'succeeded',
  };
}

export function disputeObject(input: {
  id: string;
  amount: number;
  charge: string;
  paymentIntent: string;
  currency: string;
  created: number;
}): Json {
  return {
    id: input.id,
    object: 'dispute',
    amount: input.amount,
    balance_transactions: [],
    charge: input.charge,
    created: input.created,
    currency: input.currency,
    evidence_details: { due_by: input.created + 7 * 86_400, has_evidence: false, past_due: false, submission_count: 0 },
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: input.paymentIntent,
    reason: 'fraudulent',
    status: 'needs_response',
  };
}

export function eventObject(input: {
  id: string;
  type: string;
  object: Json;
  created: number;
  apiVersion: string;
  idempotencyKey: string | null;
  /** For `*.updated` events: the fields changed, with their values before. */
  previousAttributes?: Json;
}): Json {
  return {
    id: input.id,
    object: 'event',
    api_version: input.apiVersion,
    created: input.created,
    data: {
      object: input.object,
      ...(input.previousAttributes !== undefined ? { previous_attributes: input.previousAttributes } : {}),
    },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: input.idempotencyKey },
    type: input.type,
  };
}

export function listObject(url: string, data: readonly Json[]): Json {
  return { object: 'list', data, has_more: false, url };
}

/** Stripe's error body: `{ error: { type, code, message, … } }`. */
export function errorBody(error: {
  type: 'card_error' | 'invalid_request_error' | 'idempotency_error' | 'api_error';
  message: string;
  code?: string;
  declineCode?: string;
  param?: string;
  paymentIntent?: Json;
}): Json {
  return {
    error: {
      type: error.type,
      message: error.message,
      ...(error.code !== undefined
        ? { code: error.code, doc_url: `https://stripe.com/docs/error-codes/${error.code}` }
        : {}),
      ...(error.declineCode !== undefined ? { decline_code: error.declineCode } : {}),
      ...(error.param !== undefined ? { param: error.param } : {}),
      ...(error.paymentIntent !== undefined ? { payment_intent: error.paymentIntent } : {}),
    },
  };
}

/**
 * The PaymentProvider on Stripe, through the official SDK. On AWS it talks to api.stripe.com;
 * locally `apiBase` points it at the embedded stand-in (functions/adapters/local/stripe), so the
 * same code runs in both. Every write carries an idempotency key, so a retried job never makes
 * a second page or a second charge; webhook deliveries are verified with Stripe's own check.
 */
import Stripe from 'stripe';
import {
  WebhookRejected,
  type CheckoutPage,
  type CheckoutRequest,
  type PaymentProvider,
  type SavedMethodCharge,
  type SavedMethodChargeResult,
} from '../../app/ports.js';
import { toMinorUnits } from '../../domain/money.js';
import { intentPayment, METADATA, toProviderEvent, type StripeLookups } from './stripe-events.js';

/** A PaymentIntent's charge and its balance transaction (the fee), in one read. */
const INTENT_FEE = 'latest_charge.balance_transaction';

/** The API version of the pinned SDK (stripe 23.2.0): requests and the event shapes read follow it. */
export const STRIPE_API_VERSION = '2026-11-18.endive';

export interface StripeProviderOptions {
  /**
   * `sk_live_…` / `sk_test_…`, or a restricted key `rk_…` with: Checkout Sessions write,
   * PaymentIntents write, Customers read, PaymentMethods read, Charges read, Refunds read,
   * Balance transactions read (the fees).
   */
  readonly apiKey: string;
  /** The webhook endpoint's signing secret, `whsec_…`. */
  readonly webhookSecret: string;
  /** Another API origin (the local stand-in, `http://127.0.0.1:<port>`); default api.stripe.com. */
  readonly apiBase?: string;
  /** How old a delivery's signature may be, in seconds (Stripe's default 300). */
  readonly toleranceSeconds?: number;
  /** The clock deliveries are aged by (ms); default the real time. */
  readonly now?: () => number;
}

export function createStripeProvider(options: StripeProviderOptions): PaymentProvider {
  const stripe = new Stripe(options.apiKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: 2,
    telemetry: false,
    ...hostOf(options.apiBase),
  });
  const lookups = stripeLookups(stripe);
  return {
    createCheckout: (request) => createCheckout(stripe, request),
    chargeSavedMethod: (request) => chargeSavedMethod(stripe, request),
    parseWebhook: async (payload, signatureHeader) =>
      toProviderEvent(await verifiedEvent(stripe, options, payload, signatureHeader), lookups),
  };
}

function hostOf(apiBase: string | undefined): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  if (apiBase === undefined) return {};
  const url = new URL(apiBase);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port || (protocol === 'http' ? 80 : 443), protocol };
}

async function createCheckout(stripe: Stripe, request: CheckoutRequest): Promise<CheckoutPage> {
  const currency = request.currency.toLowerCase();
  const surcharge = request.surcharge?.greaterThan(0) ? toMinorUnits(request.surcharge, request.currency) : 0;
  const metadata = {
    [METADATA.invoice]: request.invoiceNumber,
    [METADATA.client]: request.clientId,
    ...(surcharge > 0 ? { [METADATA.surcharge]: String(surcharge) } : {}),
  };
  const line = (name: string, amount: number): Stripe.Checkout.SessionCreateParams.LineItem => ({
    price_data: { currency, unit_amount: amount, product_data: { name } },
    quantity: 1,
  });
  const session = await stripe.checkout.sessions.create(
    {
      mode: 'payment',
      line_items: [
        line(request.description, toMinorUnits(request.amount, request.currency)),
        ...(surcharge > 0 ? [line('Card surcharge', surcharge)] : []),
      ],
      allowed_payment_method_types: [...request.methods],
      ...(request.customerId !== undefined
        ? { customer: request.customerId }
        : request.customerEmail !== undefined
          ? { customer_email: request.customerEmail }
          : {}),
      client_reference_id: request.invoiceNumber,
      metadata,
      payment_intent_data: { description: request.description, metadata },
      success_url: request.successUrl,
      cancel_url: request.cancelUrl,
    },
    { idempotencyKey: request.idempotencyKey },
  );
  if (!session.url) throw new Error(`Stripe returned Checkout Session ${session.id} without a URL`);
  return { id: session.id, url: session.url };
}

/**
 * Charges the customer's default payment method off-session. A decline (or a request Stripe
 * refuses, e.g. an unknown customer) is a `failed` result for the billing team; a network or
 * Stripe-side failure throws, so the job retries with the same idempotency key. Stripe keeps
 * idempotency keys only 24 hours, and a job that died after charging may run again a day later:
 * so the key also goes into the PaymentIntent's metadata, and an earlier charge with it is
 * found (search) and answered instead of charging twice.
 */
async function chargeSavedMethod(stripe: Stripe, request: SavedMethodCharge): Promise<SavedMethodChargeResult> {
  try {
    const earlier = await earlierCharge(stripe, request.idempotencyKey);
    if (earlier) return chargeResult(earlier);
    const method = await defaultPaymentMethod(stripe, request.customerId);
    if (!method) return { status: 'failed', reason: `Customer ${request.customerId} has no saved payment method.` };
    const intent = await stripe.paymentIntents.create(
      {
        amount: toMinorUnits(request.amount, request.currency),
        currency: request.currency.toLowerCase(),
        customer: request.customerId,
        payment_method: method.id,
        allowed_payment_method_types: [method.type],
        off_session: true,
        confirm: true,
        description: request.description,
        metadata: {
          [METADATA.invoice]: request.invoiceNumber,
          [METADATA.client]: request.clientId,
          [METADATA.chargeKey]: request.idempotencyKey,
        },
        expand: [INTENT_FEE],
      },
      { idempotencyKey: request.idempotencyKey },
    );
    return chargeResult(intent);
  } catch (error) {
    if (error instanceof Stripe.errors.StripeCardError || error instanceof Stripe.errors.StripeInvalidRequestError)
      return {
        status: 'failed',
        reason: stripeMessage(error),
        ...(error.payment_intent?.id !== undefined ? { providerReference: error.payment_intent.id } : {}),
      };
    throw error;
  }
}

/** The PaymentIntent an earlier run created with this key (its charge and fee expanded), if any. */
async function earlierCharge(stripe: Stripe, key: string): Promise<Stripe.PaymentIntent | undefined> {
  const quoted = key.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  const found = await stripe.paymentIntents.search({
    query: `metadata['${METADATA.chargeKey}']:'${quoted}'`,
    limit: 1,
    expand: [`data.${INTENT_FEE}`],
  });
  return found.data[0];
}

function chargeResult(intent: Stripe.PaymentIntent): SavedMethodChargeResult {
  const charge = typeof intent.latest_charge === 'object' ? (intent.latest_charge ?? undefined) : undefined;
  if (intent.status === 'succeeded' || intent.status === 'processing') {
    const status: 'succeeded' | 'processing' = intent.status === 'succeeded' ? 'succeeded' : 'processing';
    return { status, created: intent.created, payment: intentPayment(intent, charge) };
  }
  return {
    status: 'failed',
    reason: intent.last_payment_error?.message ?? `The payment needs the client's action (${intent.status}).`,
    providerReference: intent.id,
  };
}

/** Stripe's own message, without the SDK's `[req_…]` prefix (the request id goes to the log instead). */
function stripeMessage(error: Stripe.errors.StripeError): string {
  const raw = error.raw as { message?: unknown } | undefined;
  return typeof raw?.message === 'string' ? raw.message : error.message;
}

/** The customer's default method (invoice_settings), else the first one saved. */
async function defaultPaymentMethod(
  stripe: Stripe,
  customerId: string,
): Promise<{ id: string; type: string } | undefined> {
  const customer = await stripe.customers.retrieve(customerId, { expand: ['invoice_settings.default_payment_method'] });
  if (customer.deleted) return undefined;
  const preferred = customer.invoice_settings.default_payment_method;
  if (typeof preferred === 'object' && preferred !== null) return { id: preferred.id, type: preferred.type };
  if (typeof preferred === 'string')
    return { id: preferred, type: (await stripe.paymentMethods.retrieve(preferred)).type };
  const saved = await stripe.paymentMethods.list({ customer: customerId, limit: 1 });
  const first = saved.data[0];
  return first ? { id: first.id, type: first.type } : undefined;
}

async function verifiedEvent(
  stripe: Stripe,
  options: StripeProviderOptions,
  payload: string,
  signatureHeader: string | undefined,
): Promise<Stripe.Event> {
  if (!signatureHeader) throw new WebhookRejected('No Stripe-Signature header');
  try {
    return await stripe.webhooks.constructEventAsync(
      payload,
      signatureHeader,
      options.webhookSecret,
      options.toleranceSeconds ?? 300,
      undefined,
      options.now?.(),
    );
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError || error instanceof SyntaxError)
      throw new WebhookRejected(error.message);
    throw error;
  }
}

function stripeLookups(stripe: Stripe): StripeLookups {
  return {
    retrieveIntent: (id) => stripe.paymentIntents.retrieve(id, { expand: [INTENT_FEE] }),
    retrieveCharge: (id) => stripe.charges.retrieve(id, { expand: ['balance_transaction'] }),
    listRefunds: async (chargeId) => {
      const refunds: Stripe.Refund[] = [];
      const pages = stripe.refunds.list({ charge: chargeId, limit: 100, expand: ['data.balance_transaction'] });
      for await (const refund of pages) refunds.push(refund);
      return refunds;
    },
  };
}

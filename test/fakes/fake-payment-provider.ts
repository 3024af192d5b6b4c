/**
 * An in-memory PaymentProvider for use-case tests (the Stripe adapter has its own tests against
 * the local Stripe stand-in). Deliveries are "signed" with a SHA-256 of the body, so a test can
 * send a tampered one; `charges` records every off-session charge asked for, by idempotency key,
 * and a repeated key returns the first result, as Stripe does.
 */
import { createHash } from 'node:crypto';
import { Dec } from '../../functions/domain/money.js';
import {
  WebhookRejected,
  type CheckoutPage,
  type CheckoutRequest,
  type PaymentProvider,
  type ProviderEvent,
  type ProviderFee,
  type SavedMethodCharge,
  type SavedMethodChargeResult,
} from '../../functions/app/ports.js';

export class FakePaymentProvider implements PaymentProvider {
  readonly checkouts = new Map<string, CheckoutRequest & CheckoutPage>();
  readonly charges = new Map<string, { request: SavedMethodCharge; result: SavedMethodChargeResult }>();
  /** Epoch seconds the next charge is created at. */
  now = 1_767_268_800; // 2026-01-01T12:00:00Z

  async createCheckout(request: CheckoutRequest): Promise<CheckoutPage> {
    const earlier = this.checkouts.get(request.idempotencyKey);
    if (earlier) return { id: earlier.id, url: earlier.url };
    const id = `cs_test_${this.checkouts.size + 1}`;
    const page = { id, url: `https://checkout.example.test/c/pay/${id}` };
    this.checkouts.set(request.idempotencyKey, { ...request, ...page });
    return page;
  }

  /** A customer id containing `declined` declines; `ach` settles later (processing). */
  async chargeSavedMethod(request: SavedMethodCharge): Promise<SavedMethodChargeResult> {
    const earlier = this.charges.get(request.idempotencyKey);
    if (earlier) return earlier.result;
    const providerReference = `pi_test_${this.charges.size + 1}`;
    const payment = {
      providerReference,
      invoiceNumber: request.invoiceNumber,
      amount: request.amount,
      currency: request.currency,
      method: request.customerId.includes('ach') ? 'us_bank_account' : 'card',
      methodDetail: request.customerId.includes('ach') ? 'US bank account •••• 6789' : 'Visa •••• 4242',
    };
    const result: SavedMethodChargeResult = request.customerId.includes('declined')
      ? { status: 'failed', reason: 'Your card was declined.', providerReference }
      : { status: request.customerId.includes('ach') ? 'processing' : 'succeeded', created: this.now, payment };
    this.charges.set(request.idempotencyKey, { request, result });
    return result;
  }

  async parseWebhook(payload: string, signatureHeader: string | undefined): Promise<ProviderEvent> {
    if (signatureHeader !== fakeSignature(payload))
      throw new WebhookRejected('No signatures found matching the expected signature for payload');
    return reviveEvent(JSON.parse(payload) as ProviderEvent);
  }
}

export function fakeSignature(payload: string): string {
  return `sha256=${createHash('sha256').update(payload).digest('hex')}`;
}

/** A delivery of `event` as FakePaymentProvider.parseWebhook accepts it. */
export function fakeDelivery(event: ProviderEvent): { payload: string; signature: string } {
  const payload = JSON.stringify(event);
  return { payload, signature: fakeSignature(payload) };
}

function reviveEvent(event: ProviderEvent): ProviderEvent {
  const fee = (f: ProviderFee): ProviderFee => ({ ...f, amount: new Dec(String(f.amount)) });
  const money = <T extends { amount: Dec; surcharge?: Dec; fee?: ProviderFee }>(p: T): T => ({
    ...p,
    amount: new Dec(String(p.amount)),
    ...(p.surcharge !== undefined ? { surcharge: new Dec(String(p.surcharge)) } : {}),
    ...(p.fee !== undefined ? { fee: fee(p.fee) } : {}),
  });
  switch (event.kind) {
    case 'fee_reported':
      return { ...event, fee: fee(event.fee) };
    case 'refunded':
      return { ...event, refunds: event.refunds.map(money) };
    case 'payment_succeeded':
    case 'payment_failed':
    case 'disputed':
      return { ...event, payment: money(event.payment) };
    default:
      return event;
  }
}

/**
 * The Stripe adapter (official SDK, over HTTP) against the local Stripe stand-in: hosted pages,
 * off-session charges and signed webhooks, end to end on 127.0.0.1. Never the network.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  startLocalStripe,
  signatureHeader,
  type LocalStripe,
} from '../../../functions/adapters/local/stripe/local-stripe.js';
import { createStripeProvider } from '../../../functions/adapters/payments/stripe-provider.js';
import {
  WebhookRejected,
  type CheckoutRequest,
  type PaymentProvider,
  type ProviderFee,
  type ProviderEvent,
} from '../../../functions/app/ports.js';
import { Dec, decimalText, formatMoney } from '../../../functions/domain/money.js';
import { startWebhookSink, type WebhookSink } from './webhook-sink.js';

const SECRET = 'whsec_test_local_secret';
let stripe: LocalStripe;
let sink: WebhookSink;
let provider: PaymentProvider;

beforeAll(async () => {
  sink = await startWebhookSink();
  stripe = await startLocalStripe({ webhookSecret: SECRET, webhookUrl: sink.url, delivery: 'queued' });
  provider = createStripeProvider({ apiKey: 'sk_test_local', webhookSecret: SECRET, apiBase: stripe.apiBase });
});
afterAll(async () => {
  await stripe.stop();
  await sink.stop();
});
afterEach(async () => {
  await stripe.flushWebhooks();
  sink.deliveries.length = 0;
});

const request = (over: Partial<CheckoutRequest> = {}): CheckoutRequest => ({
  invoiceNumber: 'INV-2026-000001',
  clientId: 'acme',
  customerId: 'cus_acme',
  description: 'Invoice INV-2026-000001 — Acme IT',
  amount: new Dec('1250.00'),
  currency: 'USD',
  methods: ['card'],
  successUrl: 'http://127.0.0.1:9/paid/INV-2026-000001',
  cancelUrl: 'http://127.0.0.1:9/cancelled/INV-2026-000001',
  idempotencyKey: 'checkout-INV-2026-000001-125000',
  ...over,
});

/** Every delivery so far, parsed by the adapter. */
async function parsedDeliveries(): Promise<ProviderEvent[]> {
  await stripe.flushWebhooks();
  return Promise.all(sink.deliveries.map((d) => provider.parseWebhook(d.payload, d.signature)));
}

async function payOnHostedPage(url: string, method?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: method ? `method=${method}` : '',
    redirect: 'manual',
  });
}

const money = (value: Dec | undefined): string | undefined => (value === undefined ? undefined : decimalText(value));
const feeText = (fee: ProviderFee | undefined): string | undefined =>
  fee === undefined ? undefined : `${formatMoney(fee.amount, fee.currency)} ${fee.currency}`;

describe('createCheckout', () => {
  it('returns the same page for the same key and a new one for a new balance', async () => {
    const first = await provider.createCheckout(request());
    const again = await provider.createCheckout(request());
    const other = await provider.createCheckout(
      request({ amount: new Dec('250.00'), idempotencyKey: 'checkout-INV-2026-000001-25000' }),
    );
    expect(again).toEqual(first);
    expect(other.id).not.toBe(first.id);
    expect(first.url).toBe(`${stripe.apiBase}/c/pay/${first.id}`);
    const sessions = stripe.sessions();
    expect(sessions.find((s) => s.id === first.id)).toMatchObject({
      amountTotal: 125000,
      currency: 'usd',
      methods: ['card'],
      metadata: { trueup_invoice: 'INV-2026-000001', trueup_client: 'acme' },
    });
    expect(sessions.find((s) => s.id === other.id)?.amountTotal).toBe(25000);
  });

  it('shows the amount and a Pay button, then completes and emits the paid session and its PaymentIntent', async () => {
    const page = await provider.createCheckout(request({ idempotencyKey: 'pay-card' }));
    const html = await (await fetch(page.url)).text();
    expect(html).toContain('id="pay"');
    expect(html).toContain('1250.00 USD');
    expect(html).toContain('Invoice INV-2026-000001 — Acme IT');
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);

    const paid = await payOnHostedPage(page.url);
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe('http://127.0.0.1:9/paid/INV-2026-000001');
    expect(sink.deliveries).toHaveLength(0); // queued until flushed

    const events = await parsedDeliveries();
    expect(events.map((e) => `${e.type}:${e.kind}`)).toEqual([
      'checkout.session.completed:payment_succeeded',
      'payment_intent.succeeded:payment_succeeded',
    ]);
    const [fromSession, fromIntent] = events as Extract<ProviderEvent, { kind: 'payment_succeeded' }>[];
    expect(fromSession!.payment.providerReference).toMatch(/^pi_/);
    expect(fromIntent!.payment.providerReference).toBe(fromSession!.payment.providerReference);
    // The fee from the charge's balance transaction: 2.9% of 1250.00 is 36.25, + 0.30.
    for (const event of [fromSession!, fromIntent!])
      expect({ ...event.payment, amount: money(event.payment.amount), fee: feeText(event.payment.fee) }).toEqual({
        providerReference: fromSession!.payment.providerReference,
        invoiceNumber: 'INV-2026-000001',
        amount: '1250',
        currency: 'USD',
        method: 'card',
        methodDetail: 'Visa •••• 4242',
        fee: '36.55 USD',
      });
    // Paying again changes nothing: the session is complete.
    expect((await payOnHostedPage(page.url)).status).toBe(303);
    expect(await stripe.flushWebhooks()).toBe(0);
  });

  it('counts a card surcharge apart from the invoice amount', async () => {
    const page = await provider.createCheckout(
      request({ surcharge: new Dec('37.50'), idempotencyKey: 'pay-surcharge' }),
    );
    expect(stripe.sessions().find((s) => s.id === page.id)).toMatchObject({
      amountTotal: 128750,
      metadata: { trueup_surcharge: '3750' },
    });
    expect(await (await fetch(page.url)).text()).toContain('Card surcharge');
    await payOnHostedPage(page.url);
    const events = await parsedDeliveries();
    for (const event of events) {
      if (event.kind !== 'payment_succeeded') throw new Error(event.kind);
      expect(money(event.payment.amount)).toBe('1250');
      expect(money(event.payment.surcharge)).toBe('37.5');
      // The fee is on what was charged, surcharge included: 2.9% of 1287.50 is 37.3375 → 37.34, + 0.30.
      expect(feeText(event.payment.fee)).toBe('37.64 USD');
    }
  });

  it('a bank debit completes unpaid (noted) and is paid when it settles', async () => {
    const page = await provider.createCheckout(
      request({
        methods: ['us_bank_account'],
        idempotencyKey: 'pay-ach',
        customerId: undefined,
        customerEmail: 'ap@acme.test',
      }),
    );
    await payOnHostedPage(page.url, 'us_bank_account');
    const first = await parsedDeliveries();
    expect(stripe.sessions().find((s) => s.id === page.id)?.paymentStatus).toBe('unpaid');
    expect(first).toEqual([
      expect.objectContaining({ kind: 'noted', type: 'checkout.session.completed', invoiceNumber: 'INV-2026-000001' }),
    ]);
    sink.deliveries.length = 0;
    const settled = await parsedDeliveries();
    expect(settled.map((e) => e.type)).toEqual([
      'payment_intent.succeeded',
      'checkout.session.async_payment_succeeded',
    ]);
    for (const event of settled) {
      if (event.kind !== 'payment_succeeded') throw new Error(event.kind);
      expect(event.payment).toMatchObject({ method: 'us_bank_account', methodDetail: 'US bank account •••• 6789' });
      expect(money(event.payment.amount)).toBe('1250');
      expect(event.payment.fee).toBeUndefined(); // the balance transaction does not exist yet
    }
    // One flush later the balance transaction exists: charge.updated reports the fee, 0.8% of
    // 1250.00 (10.00) capped at 5.00.
    sink.deliveries.length = 0;
    const later = await parsedDeliveries();
    expect(later).toEqual([
      expect.objectContaining({
        kind: 'fee_reported',
        type: 'charge.updated',
        paymentReference: (settled[0] as Extract<ProviderEvent, { kind: 'payment_succeeded' }>).payment
          .providerReference,
        invoiceNumber: 'INV-2026-000001',
      }),
    ]);
    expect(feeText((later[0] as Extract<ProviderEvent, { kind: 'fee_reported' }>).fee)).toBe('5.00 USD');
  });
});

describe('chargeSavedMethod', () => {
  const charge = (customerId: string, over: { amount?: string; currency?: string; key?: string } = {}) =>
    provider.chargeSavedMethod({
      invoiceNumber: 'INV-2026-000002',
      clientId: 'acme',
      customerId,
      amount: new Dec(over.amount ?? '99.95'),
      currency: over.currency ?? 'USD',
      description: 'Invoice INV-2026-000002',
      idempotencyKey: over.key ?? `autopay-${customerId}`,
    });

  it('charges the default card once per idempotency key', async () => {
    const first = await charge('cus_visa');
    const again = await charge('cus_visa');
    expect(first.status).toBe('succeeded');
    expect(again).toEqual(first);
    if (first.status !== 'succeeded') throw new Error(first.status);
    expect(first.payment).toMatchObject({
      invoiceNumber: 'INV-2026-000002',
      currency: 'USD',
      method: 'card',
      methodDetail: 'Visa •••• 4242',
    });
    expect(money(first.payment.amount)).toBe('99.95');
    // Known at once (expand latest_charge.balance_transaction): 2.9% of 99.95 is 2.89855 → 2.90, + 0.30.
    expect(feeText(first.payment.fee)).toBe('3.20 USD');
    const events = await parsedDeliveries();
    expect(events.map((e) => e.type)).toEqual(['payment_intent.succeeded']); // one charge, one event
  });

  it("a decline is a failed result with Stripe's message, the same on a retry", async () => {
    const first = await charge('cus_declined_1');
    expect(first).toEqual({
      status: 'failed',
      reason: 'Your card was declined.',
      providerReference: expect.stringMatching(/^pi_/),
    });
    expect(await charge('cus_declined_1')).toEqual(first);
    const events = await parsedDeliveries();
    expect(events).toEqual([expect.objectContaining({ kind: 'payment_failed', reason: 'Your card was declined.' })]);
  });

  it('a bank debit is processing, and its success arrives by webhook when it settles', async () => {
    const result = await charge('cus_ach_1');
    expect(result.status).toBe('processing');
    if (result.status !== 'processing') throw new Error(result.status);
    expect(result.payment.methodDetail).toBe('US bank account •••• 6789');
    expect(await parsedDeliveries()).toEqual([]); // not settled at the first flush
    const events = await parsedDeliveries();
    expect(events).toEqual([
      expect.objectContaining({
        kind: 'payment_succeeded',
        payment: expect.objectContaining({ providerReference: result.payment.providerReference }),
      }),
    ]);
  });

  it('finds a charge again after Stripe forgot its idempotency key (a re-run a day later)', async () => {
    const first = await charge('cus_forgotten', { key: 'autopay-INV-2026-000777' });
    const declined = await charge('cus_declined_forgotten', { key: 'autopay-INV-2026-000778' });
    stripe.forgetIdempotencyKeys();
    expect(await charge('cus_forgotten', { key: 'autopay-INV-2026-000777' })).toEqual(first);
    expect(await charge('cus_declined_forgotten', { key: 'autopay-INV-2026-000778' })).toEqual(declined);
    const events = await parsedDeliveries();
    expect(events.map((e) => e.kind)).toEqual(['payment_succeeded', 'payment_failed']); // charged once each
  });

  it('an unknown customer is a failed result', async () => {
    const result = await charge('acme-no-stripe-id');
    expect(result.status).toBe('failed');
    if (result.status !== 'failed') throw new Error(result.status);
    expect(result.reason).toContain('No such customer');
  });

  it.each([
    ['USD', '12.50', 1250, '12.5'],
    ['JPY', '980', 980, '980'],
    ['KWD', '1.234', 1234, '1.234'],
  ])('sends %s %s as %i minor units and reads it back exactly', async (currency, amount, minor, back) => {
    const result = await charge('cus_multi', { amount, currency, key: `autopay-${currency}` });
    if (result.status !== 'succeeded') throw new Error(result.status);
    expect(result.payment.currency).toBe(currency);
    expect(money(result.payment.amount)).toBe(back);
    const events = await parsedDeliveries();
    const event = events[0];
    if (event?.kind !== 'payment_succeeded') throw new Error(event?.kind);
    expect(money(event.payment.amount)).toBe(back);
    expect(JSON.parse(sink.deliveries[0]!.payload).data.object.amount).toBe(minor);
  });
});

describe('parseWebhook', () => {
  const signed = (payload: string, secret = SECRET, at = Math.floor(Date.now() / 1000)) =>
    signatureHeader(payload, secret, at);
  const eventPayload = (type: string) =>
    JSON.stringify({
      id: 'evt_x',
      object: 'event',
      type,
      created: 1_767_268_800,
      data: { object: { id: 'x', object: 'customer' } },
    });

  it('accepts a genuine delivery and rejects a tampered, foreign, stale or unsigned one', async () => {
    await charge();
    await stripe.flushWebhooks();
    const { payload, signature } = sink.deliveries[0]!;
    await expect(provider.parseWebhook(payload, signature)).resolves.toMatchObject({ kind: 'payment_succeeded' });
    const tampered = payload.replace('"amount": 5000', '"amount": 1');
    expect(tampered).not.toBe(payload);
    await expect(provider.parseWebhook(tampered, signature)).rejects.toBeInstanceOf(WebhookRejected);
    await expect(provider.parseWebhook(payload, signed(payload, 'whsec_other'))).rejects.toBeInstanceOf(
      WebhookRejected,
    );
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    await expect(provider.parseWebhook(payload, signed(payload, SECRET, tenMinutesAgo))).rejects.toThrow(/tolerance/i);
    await expect(provider.parseWebhook(payload, undefined)).rejects.toBeInstanceOf(WebhookRejected);
    await expect(provider.parseWebhook('not json', signed('not json'))).rejects.toBeInstanceOf(WebhookRejected);
  });

  it('a verified event of another type is unsupported', async () => {
    const payload = eventPayload('customer.created');
    await expect(provider.parseWebhook(payload, signed(payload))).resolves.toEqual({
      kind: 'unsupported',
      id: 'evt_x',
      type: 'customer.created',
      created: 1_767_268_800,
    });
  });

  it('maps a refund with every refund of the charge (read by refunds.list), newest first', async () => {
    const paid = await charge();
    if (paid.status !== 'succeeded') throw new Error(paid.status);
    const pi = paid.payment.providerReference;
    const firstRefund = await stripe.refund(pi, 1000);
    const secondRefund = await stripe.refund(pi);
    const events = await parsedDeliveries();
    const refunds = events.filter((e) => e.kind === 'refunded');
    expect(refunds).toHaveLength(2);
    const last = refunds[1];
    if (last?.kind !== 'refunded') throw new Error('no refund');
    // Stripe keeps the payment's fee: each refund's balance transaction reports a fee of 0.
    const refund = (refundId: string, amount: string) => ({
      refundId,
      paymentReference: pi,
      invoiceNumber: 'INV-2026-000002',
      amount,
      currency: 'USD',
      fee: '0.00 USD',
    });
    expect(last.refunds.map((r) => ({ ...r, amount: money(r.amount), fee: feeText(r.fee) }))).toEqual([
      refund(secondRefund, '40'),
      refund(firstRefund, '10'),
    ]);
  });

  it('maps a dispute to the disputed payment and its invoice', async () => {
    const paid = await charge('cus_disputer', 'autopay-dispute');
    if (paid.status !== 'succeeded') throw new Error(paid.status);
    const disputeId = await stripe.dispute(paid.payment.providerReference);
    const events = await parsedDeliveries();
    const disputed = events.find((e) => e.kind === 'disputed');
    expect(disputed).toMatchObject({
      kind: 'disputed',
      type: 'charge.dispute.created',
      disputeId,
      reason: 'fraudulent',
      payment: {
        providerReference: paid.payment.providerReference,
        invoiceNumber: 'INV-2026-000002',
        methodDetail: 'Visa •••• 4242',
      },
    });
  });

  function charge(customerId = 'cus_refunds', key = 'autopay-refunds') {
    return provider.chargeSavedMethod({
      invoiceNumber: 'INV-2026-000002',
      clientId: 'acme',
      customerId,
      amount: new Dec('50.00'),
      currency: 'USD',
      description: 'Invoice INV-2026-000002',
      idempotencyKey: key,
    });
  }
});

describe('immediate delivery', () => {
  it('posts the events before the hosted page redirects', async () => {
    const local = await startLocalStripe({ webhookSecret: SECRET, webhookUrl: sink.url, delivery: 'immediate' });
    try {
      const adapter = createStripeProvider({ apiKey: 'sk_test_local', webhookSecret: SECRET, apiBase: local.apiBase });
      const page = await adapter.createCheckout(request({ idempotencyKey: 'immediate' }));
      const paid = await payOnHostedPage(page.url);
      expect(paid.status).toBe(303);
      expect(sink.deliveries.map((d) => d.type)).toEqual(['checkout.session.completed', 'payment_intent.succeeded']);
      await expect(
        adapter.parseWebhook(sink.deliveries[0]!.payload, sink.deliveries[0]!.signature),
      ).resolves.toMatchObject({
        kind: 'payment_succeeded',
      });
    } finally {
      await local.stop();
    }
  });

  it('keeps an event the endpoint failed (5xx) and delivers it at the next flush', async () => {
    const local = await startLocalStripe({ webhookSecret: SECRET, webhookUrl: sink.url, delivery: 'immediate' });
    try {
      const adapter = createStripeProvider({ apiKey: 'sk_test_local', webhookSecret: SECRET, apiBase: local.apiBase });
      sink.status = 503;
      await adapter.chargeSavedMethod({
        invoiceNumber: 'INV-9',
        clientId: 'acme',
        customerId: 'cus_retry',
        amount: new Dec('5'),
        currency: 'USD',
        description: 'Invoice INV-9',
        idempotencyKey: 'autopay-INV-9',
      });
      await local.flushWebhooks(); // still failing: kept
      expect(sink.deliveries).toHaveLength(0);
      sink.status = 200;
      expect(await local.flushWebhooks()).toBe(1);
      expect(sink.deliveries.map((d) => d.type)).toEqual(['payment_intent.succeeded']);
    } finally {
      sink.status = 200;
      await local.stop();
    }
  });
});

/** The local Stripe stand-in's own rules: form encoding, idempotency keys, errors, the hosted page. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseStripeForm } from '../../../functions/adapters/local/stripe/form-body.js';
import { LOCAL_LINK_KEY, startLocalPayments } from '../../../functions/adapters/local/stripe/local-payments.js';
import { Dec } from '../../../functions/domain/money.js';
import { startWebhookSink } from './webhook-sink.js';
import { startLocalStripe, type LocalStripe } from '../../../functions/adapters/local/stripe/local-stripe.js';

describe('parseStripeForm', () => {
  it('reads bracket keys into objects and indexed lists, as the SDK writes them', () => {
    expect(
      parseStripeForm(
        'mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=1250' +
          '&line_items[0][price_data][product_data][name]=Invoice%20INV-1%20%E2%80%94%20Acme%20%26%20Co' +
          '&line_items[1][quantity]=2&metadata[trueup_invoice]=INV-1&expand[0]=latest_charge&expand[1]=customer' +
          '&allowed_payment_method_types[]=card&allowed_payment_method_types[]=us_bank_account&empty=',
      ),
    ).toEqual({
      mode: 'payment',
      line_items: [
        { price_data: { currency: 'usd', unit_amount: '1250', product_data: { name: 'Invoice INV-1 — Acme & Co' } } },
        { quantity: '2' },
      ],
      metadata: { trueup_invoice: 'INV-1' },
      expand: ['latest_charge', 'customer'],
      allowed_payment_method_types: ['card', 'us_bank_account'],
      empty: '',
    });
  });

  it('keeps numeric-looking metadata keys that are not a list as a map', () => {
    expect(parseStripeForm('metadata[1]=a&metadata[3]=b')).toEqual({ metadata: { 1: 'a', 3: 'b' } });
  });
});

describe('the stand-in over HTTP', () => {
  let stripe: LocalStripe;
  beforeAll(async () => {
    stripe = await startLocalStripe({ webhookSecret: 'whsec_x', delivery: 'queued', now: () => Date.UTC(2026, 0, 15) });
  });
  afterAll(() => stripe.stop());

  const post = (path: string, body: string, key?: string, auth = true) =>
    fetch(`${stripe.apiBase}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(auth ? { authorization: 'Bearer sk_test_local' } : {}),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body,
    });
  const session = (name: string, amount: number) =>
    `mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=${amount}` +
    `&line_items[0][price_data][product_data][name]=${encodeURIComponent(name)}&line_items[0][quantity]=1` +
    '&success_url=http%3A%2F%2F127.0.0.1%3A9%2Fpaid%3Fs%3D%7BCHECKOUT_SESSION_ID%7D';

  it('replays an idempotent request and refuses its key with other parameters', async () => {
    const first = (await (await post('/v1/checkout/sessions', session('A', 100), 'k1')).json()) as {
      id: string;
      created: number;
    };
    const again = (await (await post('/v1/checkout/sessions', session('A', 100), 'k1')).json()) as { id: string };
    expect(again.id).toBe(first.id);
    expect(first.created).toBe(Date.UTC(2026, 0, 15) / 1000);
    const other = await post('/v1/checkout/sessions', session('A', 200), 'k1');
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ error: { type: 'idempotency_error' } });
  });

  it('answers Stripe-shaped errors: no key 401, unknown URL and unknown customer 404', async () => {
    expect((await post('/v1/checkout/sessions', session('A', 100), undefined, false)).status).toBe(401);
    const unknown = await post('/v1/subscriptions', '');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    const customer = await fetch(`${stripe.apiBase}/v1/customers/acme`, { headers: { authorization: 'Bearer sk' } });
    expect(customer.status).toBe(404);
    expect(await customer.json()).toMatchObject({
      error: { code: 'resource_missing', message: "No such customer: 'acme'" },
    });
  });

  it('escapes what it shows on the hosted page and fills the session id into the success URL', async () => {
    const created = (await (await post('/v1/checkout/sessions', session('<script>x</script>', 980), 'k2')).json()) as {
      id: string;
      url: string;
    };
    const html = await (await fetch(created.url)).text();
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    const paid = await fetch(created.url, { method: 'POST', body: '', redirect: 'manual' });
    expect(paid.headers.get('location')).toBe(`http://127.0.0.1:9/paid?s=${created.id}`);
    expect((await fetch(created.url)).status).toBe(200);
    expect(await (await fetch(created.url)).text()).toContain('This payment is complete.');
    expect((await fetch(`${stripe.apiBase}/c/pay/cs_test_nope`)).status).toBe(404);
  });

  it('holds queued events until a webhook URL exists, then delivers them at a flush', async () => {
    expect(stripe.events().length).toBeGreaterThan(0);
    expect(await stripe.flushWebhooks()).toBe(0); // no URL yet: kept
    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push((JSON.parse(body) as { type: string }).type);
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const { port } = server.address() as AddressInfo;
      stripe.setWebhookUrl(`http://127.0.0.1:${port}/webhooks/stripe`);
      expect(await stripe.flushWebhooks()).toBe(2);
      expect(received).toEqual(['checkout.session.completed', 'payment_intent.succeeded']);
      expect(await stripe.flushWebhooks()).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('startLocalPayments', () => {
  it('wires the real adapter to the stand-in, and webhooks to the endpoint once it is connected', async () => {
    const sink = await startWebhookSink();
    const local = await startLocalPayments({ delivery: 'queued' });
    try {
      expect(local.wiring.endpointUrl).toBeUndefined();
      expect(await local.wiring.linkKey()).toBe(LOCAL_LINK_KEY);
      local.connectEndpoint(sink.url.replace(/\/webhooks\/stripe$/, '/'));
      expect(local.wiring.endpointUrl).toBe(sink.url.replace(/\/webhooks\/stripe$/, ''));
      const result = await local.wiring.provider.chargeSavedMethod({
        invoiceNumber: 'INV-1',
        clientId: 'acme',
        customerId: 'cus_acme',
        amount: new Dec('42.00'),
        currency: 'EUR',
        description: 'Invoice INV-1',
        idempotencyKey: 'autopay-INV-1',
      });
      expect(result.status).toBe('succeeded');
      expect(await local.stripe.flushWebhooks()).toBe(1);
      const delivery = sink.deliveries[0]!;
      await expect(local.wiring.provider.parseWebhook(delivery.payload, delivery.signature)).resolves.toMatchObject({
        kind: 'payment_succeeded',
        payment: { invoiceNumber: 'INV-1', currency: 'EUR' },
      });
    } finally {
      await local.stop();
      await sink.stop();
    }
  });
});

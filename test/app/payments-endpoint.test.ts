/**
 * The payments endpoint's router (Pay links, return pages, webhook), the local endpoint server
 * on 127.0.0.1 and the Function URL event mapping, on the in-memory ports with FakePaymentProvider.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  startPaymentsEndpoint,
  type PaymentsEndpointServer,
} from '../../functions/adapters/local/payments-endpoint-server.js';
import { httpCall } from '../../functions/adapters/local/local-net.js';
import { applyPaymentNow } from '../../functions/app/apply-payments.js';
import { voidInvoice } from '../../functions/app/credit-notes.js';
import { payLinkToken } from '../../functions/app/pay-links.js';
import { handlePaymentsRequest, type PaymentsRequest } from '../../functions/app/payments-endpoint.js';
import type { ProviderEvent } from '../../functions/app/ports.js';
import type { PaymentSettings } from '../../functions/domain/billing-types.js';
import { fakeDelivery, FakePaymentProvider } from '../fakes/fake-payment-provider.js';
import { memoryDeps, type MemoryDeps } from '../fakes/memory-ports.js';
import { client, d, reference, settings } from '../support/builders.js';
import { issuedInvoice } from '../support/invoices.js';

const INV = 'INV-2025-000001';
const KEY = 'link-key';
const token = payLinkToken(KEY, INV);

interface Wired extends MemoryDeps {
  readonly payments: { provider: FakePaymentProvider; endpointUrl: string | undefined; linkKey(): Promise<string> };
}

async function setup(
  /** null: no `payments` in trueup.json. */
  payments: Partial<PaymentSettings> | null = {},
  /** null: no endpoint URL wired. */
  endpointUrl: string | null = 'https://pay.msp.test',
): Promise<Wired> {
  const deps = memoryDeps();
  await deps.ledger.saveReferenceData(
    reference({
      clients: [client({ paymentCustomerId: 'cus_123' })],
      settings: settings(
        payments
          ? {
              payments: {
                provider: 'stripe',
                methods: ['card', 'us_bank_account'],
                autoPayOn: 'due_date',
                ...payments,
              },
            }
          : {},
      ),
    }),
  );
  await deps.ledger.issueNumberedInvoice(issuedInvoice({ number: INV, total: '100.00' }), []);
  return {
    ...deps,
    payments: { provider: new FakePaymentProvider(), endpointUrl: endpointUrl ?? undefined, linkKey: async () => KEY },
  };
}

const get = (path: string, query: Record<string, string> = {}): PaymentsRequest => ({
  method: 'GET',
  path,
  query,
  headers: {},
  body: '',
});

const checkouts = (deps: Wired) =>
  [...deps.payments.provider.checkouts.entries()].map(([key, c]) => ({
    key,
    amount: c.amount.toFixed(2),
    surcharge: c.surcharge?.toFixed(2),
    methods: c.methods,
  }));

describe('Pay links', () => {
  it('refuses a wrong token with a 403 page that names no invoice', async () => {
    const deps = await setup();
    const wrong = await handlePaymentsRequest(deps, get(`/pay/${INV}`, { t: payLinkToken(KEY, 'INV-2025-000002') }));
    const missing = await handlePaymentsRequest(deps, get(`/pay/${INV}`));

    expect([wrong.status, missing.status]).toEqual([403, 403]);
    expect(wrong.body).toContain('This payment link is not valid');
    expect(wrong.body).not.toContain(INV);
    expect(deps.payments.provider.checkouts.size).toBe(0);
  });

  it('redirects (303) to a payment page for the balance, the same page when opened again', async () => {
    const deps = await setup();

    const first = await handlePaymentsRequest(deps, get(`/pay/${INV}`, { t: token }));
    const again = await handlePaymentsRequest(deps, get(`/pay/${INV}`, { t: token }));

    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('https://checkout.example.test/c/pay/cs_test_1');
    expect(first.headers['referrer-policy']).toBe('no-referrer');
    expect(again.headers.location).toBe(first.headers.location);
    expect(checkouts(deps)).toEqual([
      { key: `checkout-${INV}-10000`, amount: '100.00', surcharge: undefined, methods: ['card', 'us_bank_account'] },
    ]);
    const request = [...deps.payments.provider.checkouts.values()][0]!;
    expect(request).toMatchObject({
      invoiceNumber: INV,
      clientId: 'C001',
      customerId: 'cus_123',
      currency: 'USD',
      successUrl: `https://pay.msp.test/paid/${INV}`,
      cancelUrl: `https://pay.msp.test/cancelled/${INV}?t=${token}`,
    });
  });

  it('asks for the new balance after a partial payment', async () => {
    const deps = await setup();
    await handlePaymentsRequest(deps, get(`/pay/${INV}`, { t: token }));
    await applyPaymentNow(
      deps,
      { paymentId: 'P1', invoiceNumber: INV, amount: d('30.00'), currency: 'USD', receivedOn: '2025-02-10' },
      '2025-02-10',
    );

    const after = await handlePaymentsRequest(deps, get(`/pay/${INV}`, { t: token }));

    expect(after.headers.location).toBe('https://checkout.example.test/c/pay/cs_test_2');
    expect(checkouts(deps).map((c) => [c.key, c.amount])).toEqual([
      [`checkout-${INV}-10000`, '100.00'],
      [`checkout-${INV}-7000`, '70.00'],
    ]);
  });

  it('says a paid invoice is paid, a void one void and an unknown one unknown, without a payment page', async () => {
    const deps = await setup();
    await applyPaymentNow(
      deps,
      { paymentId: 'P1', invoiceNumber: INV, amount: d('100.00'), currency: 'USD', receivedOn: '2025-02-10' },
      '2025-02-10',
    );
    const paid = await handlePaymentsRequest(deps, get(`/pay/${INV}`, { t: token }));

    const other = await setup();
    await voidInvoice(other, { invoiceNumber: INV, reason: 'Billed twice', today: '2025-02-05', by: 'test' });
    const voided = await handlePaymentsRequest(other, get(`/pay/${INV}`, { t: token }));
    const unknownNumber = 'INV-2099-000001';
    const unknown = await handlePaymentsRequest(
      other,
      get(`/pay/${unknownNumber}`, { t: payLinkToken(KEY, unknownNumber) }),
    );

    expect([paid.status, voided.status, unknown.status]).toEqual([200, 200, 404]);
    expect(paid.body).toContain(`Invoice ${INV} is paid`);
    expect(voided.body).toContain(`Invoice ${INV} was voided`);
    expect(unknown.body).toContain(`We could not find invoice ${unknownNumber}`);
    expect(deps.payments.provider.checkouts.size + other.payments.provider.checkouts.size).toBe(0);
  });

  it('with a card surcharge, shows the choice first, then a page offering only the method chosen', async () => {
    const deps = await setup({ cardSurchargePercent: d('2.9') });

    const choice = await handlePaymentsRequest(deps, get(`/pay/${INV}`, { t: token }));
    const card = await handlePaymentsRequest(deps, get(`/pay/${INV}`, { t: token, method: 'card' }));
    const bank = await handlePaymentsRequest(deps, get(`/pay/${INV}`, { t: token, method: 'us_bank_account' }));

    expect(choice.status).toBe(200);
    expect(choice.body).toContain('Card surcharge (2.9%)');
    expect(choice.body).toContain('USD 2.90');
    expect(choice.body).toContain('USD 102.90');
    expect(choice.body).toContain(`href="https://pay.msp.test/pay/${INV}?t=${token}&amp;method=card"`);
    expect(choice.body).toContain(`href="https://pay.msp.test/pay/${INV}?t=${token}&amp;method=us_bank_account"`);
    expect([card.status, bank.status]).toEqual([303, 303]);
    expect(checkouts(deps)).toEqual([
      { key: `checkout-${INV}-10000-card`, amount: '100.00', surcharge: '2.90', methods: ['card'] },
      {
        key: `checkout-${INV}-10000-us_bank_account`,
        amount: '100.00',
        surcharge: undefined,
        methods: ['us_bank_account'],
      },
    ]);
  });

  it('falls back to the URL the request reached when no endpoint URL is wired', async () => {
    const deps = await setup({}, null);
    await handlePaymentsRequest(deps, { ...get(`/pay/${INV}`, { t: token }), origin: 'https://abc.lambda-url.test' });
    expect([...deps.payments.provider.checkouts.values()][0]?.successUrl).toBe(
      `https://abc.lambda-url.test/paid/${INV}`,
    );
  });

  it('says online payment is unavailable when payments are off, and makes no page', async () => {
    const deps = await setup(null);
    const response = await handlePaymentsRequest(deps, get(`/pay/${INV}`, { t: token }));
    expect(response.status).toBe(503);
    expect(deps.payments.provider.checkouts.size).toBe(0);
  });

  it('shows the checkout error page when the provider fails', async () => {
    const deps = await setup();
    deps.payments.provider.createCheckout = async () => {
      throw new Error('Stripe is down');
    };
    const response = await handlePaymentsRequest(deps, get(`/pay/${INV}`, { t: token }));
    expect(response.status).toBe(502);
    expect(response.body).toContain('could not be opened');
  });
});

describe('return pages and routing', () => {
  it('thanks the client on the success URL and links back only with a valid token on the cancel URL', async () => {
    const deps = await setup();
    const thanks = await handlePaymentsRequest(deps, get(`/paid/${INV}`));
    const back = await handlePaymentsRequest(deps, get(`/cancelled/${INV}`, { t: token }));
    const bare = await handlePaymentsRequest(deps, get(`/cancelled/${INV}`, { t: 'forged' }));

    expect(thanks.body).toContain(`Your payment for invoice ${INV} was submitted`);
    expect(back.body).toContain(`href="https://pay.msp.test/pay/${INV}?t=${token}"`);
    expect(bare.body).toContain('Nothing was charged');
    expect(bare.body).not.toContain('/pay/');
  });

  it('escapes what the path carries', async () => {
    const deps = await setup();
    const page = await handlePaymentsRequest(deps, get(`/paid/${encodeURIComponent('<script>x</script>')}`));
    expect(page.body).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(page.body).not.toContain('<script>');
  });

  it('answers 404 elsewhere and 405 to the wrong method', async () => {
    const deps = await setup();
    const nowhere = await handlePaymentsRequest(deps, get('/admin'));
    const getWebhook = await handlePaymentsRequest(deps, get('/webhooks/stripe'));
    const postPay = await handlePaymentsRequest(deps, { ...get(`/pay/${INV}`, { t: token }), method: 'POST' });
    expect([nowhere.status, getWebhook.status, postPay.status]).toEqual([404, 405, 405]);
  });
});

const payment: ProviderEvent = {
  kind: 'payment_succeeded',
  id: 'evt_1',
  type: 'payment_intent.succeeded',
  created: Date.UTC(2025, 1, 10, 18) / 1000,
  payment: { providerReference: 'pi_1', invoiceNumber: INV, amount: d('100.00'), currency: 'USD' },
};

describe('the webhook route', () => {
  const post = (payload: string, signature?: string): PaymentsRequest => ({
    method: 'POST',
    path: '/webhooks/stripe',
    query: {},
    headers: signature ? { 'stripe-signature': signature } : {},
    body: payload,
  });

  it('answers 200 to a signed delivery and 400 to a forged one', async () => {
    const deps = await setup();
    const { payload, signature } = fakeDelivery(payment);

    const ok = await handlePaymentsRequest(deps, post(payload, signature));
    const forged = await handlePaymentsRequest(deps, post(payload, 'sha256=00'));

    expect([ok.status, JSON.parse(ok.body)]).toEqual([200, { received: true, outcome: 'applied' }]);
    expect(forged.status).toBe(400);
    expect((await deps.ledger.getInvoice(INV))?.paid.toFixed(2)).toBe('100.00');
  });

  it('answers 413 over 256 KB and 404 when payments are off, touching nothing', async () => {
    const deps = await setup();
    const big = await handlePaymentsRequest(deps, post('x'.repeat(256 * 1024 + 1), 'sha256=00'));
    const off = await setup(null);
    const { payload, signature } = fakeDelivery(payment);
    const offAnswer = await handlePaymentsRequest(off, post(payload, signature));

    expect([big.status, offAnswer.status]).toEqual([413, 404]);
    expect(await off.ledger.listProviderEvents()).toEqual([]);
  });
});

describe('the local payments endpoint server', () => {
  let server: PaymentsEndpointServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('serves the router on 127.0.0.1: a Pay link redirects, a signed webhook applies the payment', async () => {
    const deps = await setup({}, null);
    server = await startPaymentsEndpoint(deps);
    const port = Number(new URL(server.url).port);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const pay = await httpCall(port, 'GET', `/pay/${INV}?t=${token}`);
    const { payload, signature } = fakeDelivery(payment);
    const hook = await httpCall(port, 'POST', '/webhooks/stripe', {
      body: payload,
      headers: { 'Stripe-Signature': signature, 'content-type': 'application/json' },
    });
    const tooBig = await httpCall(port, 'POST', '/webhooks/stripe', { body: 'x'.repeat(300 * 1024) });

    expect(pay.status).toBe(303);
    expect([...deps.payments.provider.checkouts.values()][0]?.successUrl).toBe(`${server.url}/paid/${INV}`);
    expect([hook.status, JSON.parse(hook.body)]).toEqual([200, { received: true, outcome: 'applied' }]);
    expect(tooBig.status).toBe(413);
    expect((await deps.ledger.getInvoice(INV))?.paid.toFixed(2)).toBe('100.00');
  });
});

describe('the Function URL event', () => {
  type Handler = typeof import('../../functions/handlers/payments-endpoint.js');
  let handler: Handler;
  beforeAll(async () => {
    vi.stubEnv('TABLE_NAME', 'trueup-test');
    vi.stubEnv('USAGE_BUCKET', 'usage');
    vi.stubEnv('ARTIFACTS_BUCKET', 'artifacts');
    vi.stubEnv('WORK_QUEUE_URL', 'https://sqs.us-east-1.amazonaws.com/123456789012/work');
    vi.stubEnv('DISCREPANCY_QUEUE_URL', 'https://sqs.us-east-1.amazonaws.com/123456789012/discrepancy');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    handler = await import('../../functions/handlers/payments-endpoint.js');
  });

  it('becomes the router request: base64 body decoded to its exact text, lower-case headers, query, origin', () => {
    const body = '{"id":"evt_1","amount":"é"}';
    const request = handler.requestOfFunctionUrl({
      version: '2.0',
      rawPath: '/webhooks/stripe',
      rawQueryString: 't=abc&method=card',
      headers: { 'Stripe-Signature': 't=1,v1=ab' },
      body: Buffer.from(body).toString('base64'),
      isBase64Encoded: true,
      requestContext: { domainName: 'abc.lambda-url.us-east-1.on.aws', http: { method: 'post' } },
    });
    expect(request).toEqual({
      method: 'POST',
      path: '/webhooks/stripe',
      query: { t: 'abc', method: 'card' },
      headers: { 'stripe-signature': 't=1,v1=ab' },
      body,
      origin: 'https://abc.lambda-url.us-east-1.on.aws',
    });
    expect(handler.functionUrlResult({ status: 303, headers: { location: 'https://x.test' }, body: '' })).toEqual({
      statusCode: 303,
      headers: { location: 'https://x.test' },
      body: '',
      isBase64Encoded: false,
    });
  });
});

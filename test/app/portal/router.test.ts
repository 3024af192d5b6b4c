/**
 * The client portal's router on the in-memory ports: a client's token opens its own documents
 * and nothing of another client's; expired and tampered tokens are refused; the stored PDF is
 * served; questioning an invoice marks it disputed and emails the billing team once; 429 past
 * the rate limit.
 */
import { describe, expect, it } from 'vitest';
import { invoiceKey } from '../../../functions/app/bucket-layout.js';
import type { HttpRequest } from '../../../functions/app/http-types.js';
import { WorkMessageSchema } from '../../../functions/app/messages.js';
import { portalLinkToken } from '../../../functions/app/portal/links.js';
import { handlePortalRequest, portalRoute } from '../../../functions/app/portal/router.js';
import { PortalRateLimiter } from '../../../functions/app/portal/rate-limit.js';
import { runDunning } from '../../../functions/app/run-dunning.js';
import { applyPaymentNow } from '../../../functions/app/apply-payments.js';
import { handleWorkMessage } from '../../../functions/app/work-messages.js';
import type { Settings } from '../../../functions/domain/billing-types.js';
import { FakePaymentProvider } from '../../fakes/fake-payment-provider.js';
import { memoryDeps, type MemoryDeps } from '../../fakes/memory-ports.js';
import { client, d, reference, settings } from '../../support/builders.js';
import { issuedInvoice } from '../../support/invoices.js';

const KEY = 'portal-key';
const BASE = 'http://127.0.0.1:8080';
const NOW = new Date('2025-02-20T12:00:00Z');
const EXPIRES = new Date('2025-03-20T12:00:00Z');
const A = 'C001';
const B = 'C002';
const INV_A = 'INV-2025-000001';
const INV_B = 'INV-2025-000002';
const PDF = Buffer.from('%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\nfake pdf bytes\n', 'latin1');

async function setup(extra: Partial<Settings> = {}): Promise<MemoryDeps> {
  const deps = memoryDeps();
  await deps.ledger.saveReferenceData(
    reference({
      clients: [client({ clientId: A, name: 'Alpha Dental' }), client({ clientId: B, name: 'Beta Law' })],
      settings: settings({
        portal: { linkDays: 30 },
        reports: { recipients: ['billing@msp.example'], agingWeekday: 1 },
        ...extra,
      }),
    }),
  );
  await deps.ledger.issueNumberedInvoice(issuedInvoice({ number: INV_A, clientId: A, total: '100.00' }), []);
  await deps.ledger.issueNumberedInvoice(issuedInvoice({ number: INV_B, clientId: B, total: '250.00' }), []);
  await deps.artifacts.put(invoiceKey(INV_A, 'pdf'), PDF, 'application/pdf');
  await deps.artifacts.put(invoiceKey(INV_A, 'html'), '<!doctype html><p>Invoice A</p>', 'text/html');
  await deps.artifacts.put(invoiceKey(INV_B, 'pdf'), Buffer.from('%PDF B'), 'application/pdf');
  return { ...deps, portal: { baseUrl: BASE, linkKey: () => Promise.resolve(KEY) } };
}

const tokenA = portalLinkToken(KEY, A, EXPIRES);
const tokenB = portalLinkToken(KEY, B, EXPIRES);

function request(path: string, init: Partial<HttpRequest> & { t?: string } = {}): HttpRequest {
  const { t, ...rest } = init;
  return {
    method: 'GET',
    path,
    query: t === undefined ? {} : { t },
    headers: {},
    body: '',
    sourceIp: '10.0.0.1',
    ...rest,
  };
}

const route = (deps: MemoryDeps, now = NOW) => portalRoute(deps, { now: () => now });

function questionPost(path: string, reason: string, t = tokenA, origin = BASE): HttpRequest {
  return request(path, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ t, reason }).toString(),
  });
}

async function drain(deps: MemoryDeps): Promise<void> {
  await deps.workQueue.drain(WorkMessageSchema, (m) => handleWorkMessage(deps, m));
}

describe('the portal home', () => {
  it("shows the client's own balance and invoices, nothing of another client's", async () => {
    const deps = await setup();
    const answer = await route(deps)(request(`/portal/${A}`, { t: tokenA }));

    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(answer.headers['content-security-policy']).toContain("default-src 'none'");
    expect(answer.body).toContain('Alpha Dental');
    expect(answer.body).toContain(INV_A);
    expect(answer.body).toContain('USD 100.00');
    expect(answer.body).not.toContain(INV_B);
    expect(answer.body).not.toContain('Beta Law');
    expect(answer.body).not.toContain('250.00');
  });

  it('lists paid invoices and payments apart from open ones, and the balance per currency', async () => {
    const deps = await setup();
    await deps.ledger.issueNumberedInvoice(
      issuedInvoice({ number: 'INV-2025-000003', clientId: A, period: '2025-02', currency: 'EUR', total: '40.00' }),
      [],
    );
    await applyPaymentNow(
      deps,
      { paymentId: 'P1', invoiceNumber: INV_A, amount: d('100.00'), currency: 'USD', receivedOn: '2025-02-10' },
      '2025-02-10',
    );
    const body = (await route(deps)(request(`/portal/${A}`, { t: tokenA }))).body;

    const open = body.slice(body.indexOf('Open invoices'), body.indexOf('Paid invoices'));
    const paid = body.slice(body.indexOf('Paid invoices'), body.indexOf('Credit notes'));
    expect(open).toContain('INV-2025-000003');
    expect(open).not.toContain(INV_A);
    expect(paid).toContain(INV_A);
    expect(body).toContain('Balance EUR');
    expect(body).toContain('EUR 40.00');
    expect(body).not.toContain('Balance USD');
    expect(body.slice(body.indexOf('<h2>Payments'))).toContain('USD 100.00');
  });

  it('carries the Pay link of an open invoice when payments are on', async () => {
    const deps = {
      ...(await setup({ payments: { provider: 'stripe', methods: ['card'], autoPayOn: 'due_date' } })),
      payments: {
        provider: new FakePaymentProvider(),
        endpointUrl: 'https://pay.msp.test',
        linkKey: () => Promise.resolve('pay-key'),
      },
    };
    const body = (await route(deps)(request(`/portal/${A}`, { t: tokenA }))).body;
    expect(body).toMatch(new RegExp(`href="https://pay\\.msp\\.test/pay/${INV_A}\\?t=[A-Za-z0-9_-]+"`));
    const without = (await route(await setup())(request(`/portal/${A}`, { t: tokenA }))).body;
    expect(without).not.toContain('/pay/');
  });
});

describe('the token', () => {
  it("of client A is refused on client B's portal (403, naming nothing)", async () => {
    const deps = await setup();
    const answer = await route(deps)(request(`/portal/${B}`, { t: tokenA }));
    expect(answer.status).toBe(403);
    expect(answer.body).toContain('This link is not valid');
    expect(answer.body).not.toContain('Beta Law');
  });

  it('of client A opens no invoice of client B: 404 exactly like an unknown number', async () => {
    const deps = await setup();
    const r = route(deps);
    const other = await r(request(`/portal/${A}/invoices/${INV_B}`, { t: tokenA }));
    const unknown = await r(request(`/portal/${A}/invoices/INV-2099-999999`, { t: tokenA }));
    const otherPdf = await r(request(`/portal/${A}/invoices/${INV_B}/pdf`, { t: tokenA }));
    const unknownPdf = await r(request(`/portal/${A}/invoices/INV-2099-999999/pdf`, { t: tokenA }));

    expect([other.status, unknown.status, otherPdf.status, unknownPdf.status]).toEqual([404, 404, 404, 404]);
    expect(other.body.replace(INV_B, 'X')).toBe(unknown.body.replace('INV-2099-999999', 'X'));
    expect(otherPdf.body).toBe(unknownPdf.body);
    expect(other.body).not.toContain(INV_B);
    // and B's own token opens it
    expect((await r(request(`/portal/${B}/invoices/${INV_B}`, { t: tokenB }))).status).toBe(200);
  });

  it('refuses an expired token, a tampered one and none at all', async () => {
    const deps = await setup();
    const expired = await route(deps, EXPIRES)(request(`/portal/${A}`, { t: tokenA }));
    const [expiry, mac] = tokenA.split('.') as [string, string];
    const tampered = await route(deps)(request(`/portal/${A}`, { t: `${Number(expiry) + 3600}.${mac}` }));
    const flipped = await route(deps)(
      request(`/portal/${A}`, { t: `${expiry}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}` }),
    );
    const none = await route(deps)(request(`/portal/${A}`));

    expect(expired.status).toBe(403);
    expect(expired.body).toContain('This link has expired');
    expect([tampered.status, flipped.status, none.status]).toEqual([403, 403, 403]);
    expect(tampered.body).toContain('This link is not valid');
    for (const answer of [expired, tampered, flipped, none]) expect(answer.body).not.toContain(INV_A);
  });

  it('answers 404 everywhere when the portal is off in trueup.json or not wired', async () => {
    const off = await setup({ portal: undefined });
    expect((await route(off)(request(`/portal/${A}`, { t: tokenA }))).status).toBe(404);
    const { portal: _portal, ...unwired } = await setup();
    expect((await route(unwired as MemoryDeps)(request(`/portal/${A}`, { t: tokenA }))).status).toBe(404);
  });
});

describe('documents', () => {
  it('serves the stored PDF as base64 application/pdf and the stored HTML under a strict CSP', async () => {
    const deps = await setup();
    const pdf = await route(deps)(request(`/portal/${A}/invoices/${INV_A}/pdf`, { t: tokenA }));
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.isBase64Encoded).toBe(true);
    expect(Buffer.from(pdf.body, 'base64').equals(PDF)).toBe(true);
    expect(pdf.headers['content-disposition']).toBe(`inline; filename="${INV_A}.pdf"`);

    const page = await route(deps)(request(`/portal/${A}/invoices/${INV_A}/html`, { t: tokenA }));
    expect(page.body).toBe('<!doctype html><p>Invoice A</p>');
    expect(page.headers['content-security-policy']).toContain("form-action 'none'");
  });

  it('the invoice page links its documents and offers the question form', async () => {
    const deps = await setup();
    const page = await route(deps)(request(`/portal/${A}/invoices/${INV_A}`, { t: tokenA }));
    expect(page.status).toBe(200);
    expect(page.body).toContain(`href="/portal/${A}/invoices/${INV_A}/pdf?t=${tokenA}"`);
    expect(page.body).toContain(`action="/portal/${A}/invoices/${INV_A}/question?t=${tokenA}"`);
    expect(page.body).toContain('name="reason"');
  });
});

describe('question this invoice', () => {
  it('marks the invoice disputed once, stops dunning and emails the billing team once', async () => {
    const deps = await setup();
    const r = route(deps);
    const first = await r(
      questionPost(`/portal/${A}/invoices/${INV_A}/question`, 'We cancelled  <b>seat</b> 3 in January'),
    );
    const again = await r(questionPost(`/portal/${A}/invoices/${INV_A}/question`, 'Still wrong'));
    await drain(deps);

    expect([first.status, again.status]).toEqual([303, 303]);
    expect(first.headers.location).toBe(`/portal/${A}/invoices/${INV_A}?t=${tokenA}&questioned=1`);
    const account = await deps.ledger.getInvoice(INV_A);
    expect(account?.disputedOn).toBe('2025-02-20');
    expect(account?.disputeReason).toBe(
      'Questioned by the client in the portal: We cancelled  <b>seat</b> 3 in January',
    );
    const alerts = (await deps.ledger.sentLog()).filter((e) => e.kind === 'invoice_questioned');
    expect(alerts.map((e) => [e.key, e.to, e.subject])).toEqual([
      [`question#${INV_A}`, ['billing@msp.example'], `Invoice questioned: ${INV_A} by Alpha Dental — Acme IT`],
    ]);
    expect(deps.mailer.sent).toHaveLength(1);
    expect(deps.mailer.sent[0]!.raw).toContain('&lt;b&gt;seat&lt;/b&gt;');
    const dunning = await runDunning(deps, { today: '2025-03-20' });
    await drain(deps);
    // Only client B's invoice, not questioned, is dunned.
    expect(dunning.emails).toBe(1);
    const dunned = (await deps.ledger.sentLog()).filter((e) => e.kind === 'dunning');
    expect(dunned.flatMap((e) => e.invoices.map((i) => i.number))).toEqual([INV_B]);

    const after = await r(
      request(`/portal/${A}/invoices/${INV_A}`, { t: tokenA, query: { t: tokenA, questioned: '1' } }),
    );
    expect(after.body).toContain('we received your question');
    expect(after.body).not.toContain('name="reason"');
  });

  it("refuses another client's invoice (404), a foreign origin and a missing token (403), an empty reason (400)", async () => {
    const deps = await setup();
    const r = route(deps);
    const other = await r(questionPost(`/portal/${A}/invoices/${INV_B}/question`, 'not mine'));
    const foreign = await r(
      questionPost(`/portal/${A}/invoices/${INV_A}/question`, 'x', tokenA, 'https://evil.example'),
    );
    const noOrigin = await r({ ...questionPost(`/portal/${A}/invoices/${INV_A}/question`, 'x'), headers: {} });
    const noToken = await r(
      request(`/portal/${A}/invoices/${INV_A}/question`, {
        method: 'POST',
        headers: { origin: BASE },
        body: 'reason=x',
      }),
    );
    const empty = await r(questionPost(`/portal/${A}/invoices/${INV_A}/question`, '   '));
    const get = await r(request(`/portal/${A}/invoices/${INV_A}/question`, { t: tokenA }));

    expect([other.status, foreign.status, noOrigin.status, noToken.status, empty.status, get.status]).toEqual([
      404, 403, 403, 403, 400, 405,
    ]);
    expect((await deps.ledger.getInvoice(INV_A))?.disputedOn).toBeUndefined();
    expect((await deps.ledger.getInvoice(INV_B))?.disputedOn).toBeUndefined();
    expect(deps.workQueue.sent).toHaveLength(0);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After past the per-token limit, and again after the window', async () => {
    const deps = await setup();
    let now = NOW;
    const r = portalRoute(deps, {
      now: () => now,
      limiter: new PortalRateLimiter({
        perToken: { limit: 3, windowMs: 60_000 },
        perIp: { limit: 100, windowMs: 60_000 },
      }),
    });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await r(request(`/portal/${A}`, { t: tokenA }))).status);
    const limited = await r(request(`/portal/${A}`, { t: tokenA }));
    const otherToken = await r(request(`/portal/${B}`, { t: tokenB }));
    now = new Date(NOW.getTime() + 60_000);
    const later = await r(request(`/portal/${A}`, { t: tokenA }));

    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(limited.headers['retry-after']).toBe('60');
    expect(otherToken.status).toBe(200);
    expect(later.status).toBe(200);
  });

  it('counts per source IP whatever the token (a bad token too)', async () => {
    const deps = await setup();
    const r = portalRoute(deps, {
      now: () => NOW,
      limiter: new PortalRateLimiter({
        perToken: { limit: 100, windowMs: 60_000 },
        perIp: { limit: 2, windowMs: 10_000 },
      }),
    });
    const statuses = [];
    for (const t of ['garbage', tokenA, tokenB]) statuses.push((await r(request(`/portal/${A}`, { t }))).status);
    const elsewhere = await r(request(`/portal/${A}`, { t: tokenA, sourceIp: '10.0.0.2' }));
    expect(statuses).toEqual([403, 200, 429]);
    expect(elsewhere.status).toBe(200);
  });

  it('handlePortalRequest counts with one limiter per process', async () => {
    const deps = await setup();
    const answer = await handlePortalRequest(deps, request(`/portal/${A}`, { t: 'x' }));
    expect(answer.status).toBe(403);
  });
});

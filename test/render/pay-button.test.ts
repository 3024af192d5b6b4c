/**
 * The Pay button (docs/auto-pay.md): on the invoice HTML, PDF and email when the view carries a
 * Pay link and a balance; never on a draft or a paid invoice; and without a link every byte is
 * what it was before payments existed. deliverInvoice adds the link only when trueup.json turns
 * payments on and a provider is wired.
 */
import { describe, expect, it } from 'vitest';
import { deliverInvoice } from '../../functions/app/deliver-invoice.js';
import type { PaymentsWiring } from '../../functions/app/deps.js';
import { verifyPayLinkToken } from '../../functions/app/pay-links.js';
import type { PaymentSettings } from '../../functions/domain/billing-types.js';
import { Dec } from '../../functions/domain/money.js';
import { invoiceEmail } from '../../functions/render/emails.js';
import type { InvoiceView } from '../../functions/render/email-content.js';
import { renderInvoiceHtml } from '../../functions/render/invoice-html.js';
import { invoiceModel } from '../../functions/render/invoice-model.js';
import { renderInvoicePdf } from '../../functions/render/invoice-pdf.js';
import { FakePaymentProvider } from '../fakes/fake-payment-provider.js';
import { memoryDeps } from '../fakes/memory-ports.js';
import { reference, settings } from '../support/builders.js';
import { issuedInvoice } from '../support/invoices.js';
import { pdfText } from './pdf-text.js';
import { sampleView } from './sample.js';

const URL = 'https://pay.example.test/pay/OSP-2025-000001?t=tok&v=1';
const withLink = (view: InvoiceView): InvoiceView => ({ ...view, payUrl: URL });

describe('the Pay button on a rendered invoice', () => {
  it('HTML: a link under the balance due, for the balance, the URL escaped', () => {
    const html = renderInvoiceHtml(withLink(sampleView(3)));
    expect(html).toContain('<a class="pay" href="https://pay.example.test/pay/OSP-2025-000001?t=tok&amp;v=1" style="');
    expect(html).toMatch(/<a class="pay"[^>]*>Pay EUR 782\.09 online<\/a>/);
  });

  it('PDF: a visible button with a link annotation to the Pay link', async () => {
    const pdf = await renderInvoicePdf(withLink(sampleView(3)));
    expect(pdfText(pdf)).toContain('Pay EUR 782.09 online');
    const raw = pdf.toString('latin1');
    expect(raw).toMatch(/\/Subtype \/Link/);
    expect(raw).toContain(`/URI (${URL})`);
  });

  it('email: a line in the text part and a button in the HTML part', () => {
    const email = invoiceEmail(withLink(sampleView(3)), Buffer.alloc(0));
    expect(email.text).toContain(`Pay EUR 782.09 online: ${URL}`);
    expect(email.html).toMatch(
      /<a class="pay" href="https:\/\/pay\.example\.test\/[^"]*&amp;v=1"[^>]*>Pay EUR 782\.09 online<\/a>/,
    );
  });

  it('without a Pay link nothing mentions paying online', async () => {
    const view = sampleView(3);
    const pdf = await renderInvoicePdf(view);
    expect(renderInvoiceHtml(view)).not.toContain('class="pay"');
    expect(pdfText(pdf)).not.toContain('online');
    expect(pdf.toString('latin1')).not.toContain('/URI');
    expect(invoiceEmail(view, pdf).text).not.toContain('online');
    expect(invoiceModel(view)).not.toHaveProperty('pay');
  });

  it('a draft has no Pay button: the same bytes as without a link', async () => {
    const draft = { ...sampleView(3), draft: true };
    expect(renderInvoiceHtml(withLink(draft))).toBe(renderInvoiceHtml(draft));
    expect((await renderInvoicePdf(withLink(draft))).equals(await renderInvoicePdf(draft))).toBe(true);
  });

  it('a paid invoice (balance 0) has no Pay button', async () => {
    const view = sampleView(3);
    const paid = { ...view, paid: view.invoice.total, balance: new Dec('0.00'), status: 'paid' };
    expect(renderInvoiceHtml(withLink(paid))).toBe(renderInvoiceHtml(paid));
    expect(invoiceEmail(withLink(paid), Buffer.alloc(0)).text).toBe(invoiceEmail(paid, Buffer.alloc(0)).text);
    expect(pdfText(await renderInvoicePdf(withLink(paid)))).not.toContain('Pay ');
  });
});

const PAYMENTS: PaymentSettings = { provider: 'stripe', methods: ['card', 'us_bank_account'], autoPayOn: 'due_date' };
const wiring = (): PaymentsWiring => ({
  provider: new FakePaymentProvider(),
  endpointUrl: 'https://endpoint.example.test/',
  linkKey: () => Promise.resolve('link-key'),
});

async function delivered(options: { payments?: PaymentSettings; wired: boolean; total?: string }): Promise<string> {
  const deps = { ...memoryDeps(), ...(options.wired ? { payments: wiring() } : {}) };
  await deps.ledger.saveReferenceData(
    reference({ settings: settings(options.payments ? { payments: options.payments } : {}) }),
  );
  await deps.ledger.issueNumberedInvoice(issuedInvoice(options.total ? { total: options.total } : {}), []);
  await deliverInvoice(deps, { number: 'INV-2025-000001' });
  return deps.artifacts.text('invoices/INV-2025-000001.html') ?? '';
}

describe('deliverInvoice and the Pay link', () => {
  it('payments on and wired: the stored invoice links to the endpoint with a valid token', async () => {
    const html = await delivered({ payments: PAYMENTS, wired: true });
    const href = /<a class="pay" href="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, '&') ?? '';
    const link = new globalThis.URL(href);
    expect(`${link.origin}${link.pathname}`).toBe('https://endpoint.example.test/pay/INV-2025-000001');
    expect(verifyPayLinkToken('link-key', 'INV-2025-000001', link.searchParams.get('t') ?? undefined)).toBe(true);
  });

  it('publicUrl in trueup.json wins over the wired endpoint', async () => {
    const html = await delivered({ payments: { ...PAYMENTS, publicUrl: 'https://pay.msp.example' }, wired: true });
    expect(html).toContain('href="https://pay.msp.example/pay/INV-2025-000001?t=');
  });

  it('no link when payments are off in trueup.json, when nothing is wired, or for a zero invoice', async () => {
    const off = await delivered({ wired: true });
    expect(off).not.toContain('class="pay"');
    expect(off).toBe(await delivered({ wired: false }));
    expect(await delivered({ payments: PAYMENTS, wired: false })).toBe(off);
    expect(await delivered({ payments: PAYMENTS, wired: true, total: '0' })).not.toContain('class="pay"');
  });
});

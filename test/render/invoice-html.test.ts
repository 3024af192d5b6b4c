import { describe, expect, it } from 'vitest';
import { formatMoney } from '../../functions/domain/money.js';
import { renderInvoiceHtml } from '../../functions/render/invoice-html.js';
import { MSP, sampleView } from './sample.js';

describe('renderInvoiceHtml', () => {
  it('contains every line and its amount', () => {
    const view = sampleView(40);
    const html = renderInvoiceHtml(view);
    for (const line of view.invoice.lines) {
      expect(html).toContain(`<td>${formatMoney(line.amount, 'EUR')}</td>`);
      // A cost-plus line states its cost as rounded money (calculate-invoice's text keeps the exact cost).
      const description =
        line.kind === 'usage' ? 'Azure consumption, usage January 2025 at cost EUR 101.53 + 15%' : line.description;
      expect(html).toContain(description.replace(/&/g, '&amp;'));
    }
  });

  it('mirrors the PDF: header, groups, usage, totals and terms', () => {
    const html = renderInvoiceHtml(sampleView(6));
    for (const text of [
      'INVOICE',
      'OSP-2025-000001',
      'Osprey Networks',
      'Keizersgracht 12',
      'Brouwer &amp; Zonen B.V.',
      'ap@brouwer.example, finance@brouwer.example',
      'Recurring',
      'True-up',
      'Credits',
      'Usage',
      'Late fees',
      'usage: 27 used vs 25 contracted (+2)',
      'Subtotal',
      'Tax 21% on 836.76',
      'EUR 1,025.31',
      'Amount paid',
      'EUR 925.31',
      'Payment due within 7 days',
      'Partially paid',
    ]) {
      expect(html).toContain(text);
    }
  });

  it('is self-contained: no scripts, external resources or links to load', () => {
    const html = renderInvoiceHtml(sampleView(6));
    expect(html).not.toMatch(/<script|<link|<img|src=|url\(/i);
    expect(html).toContain('@media print');
  });

  it('escapes user values', () => {
    const html = renderInvoiceHtml(
      sampleView(3, {
        client: { name: '<script>alert(1)</script>', billingEmails: ['"><img src=x>@x.example'] },
        settings: { msp: { name: 'Evil <b>MSP</b>', email: 'a@b.example', address: '<iframe>' } },
      }),
    );
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<iframe>');
    expect(html).not.toContain('<b>MSP</b>');
  });
});

describe('renderInvoiceHtml: client documents', () => {
  const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

  it('shows no logo box without a logo, and the logo as a data: URL in an <img> with one (an SVG too: <img> runs no scripts)', () => {
    const view = sampleView(3);
    expect(renderInvoiceHtml(view)).not.toContain('class="logo"');
    const png = renderInvoiceHtml({ ...view, logo: { file: 'logo.png', contentType: 'image/png', base64: PNG } });
    expect(png).toContain(`<img class="logo" src="data:image/png;base64,${PNG}" alt="Osprey Networks">`);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>').toString(
      'base64',
    );
    const html = renderInvoiceHtml({ ...view, logo: { file: 'logo.svg', contentType: 'image/svg+xml', base64: svg } });
    expect(html).toContain(`src="data:image/svg+xml;base64,${svg}"`);
    expect(html).not.toMatch(/<script|<object|<embed|<iframe/i);
  });

  it('sets the printed page size from the locale or invoice.paperSize', () => {
    expect(renderInvoiceHtml(sampleView(3))).toContain('@page { size: letter;');
    expect(renderInvoiceHtml(sampleView(3, { settings: { locale: 'en-GB' } }))).toContain('@page { size: A4;');
  });

  it('writes money, dates and the tax base for people; what the invoice covers; how to pay', () => {
    const html = renderInvoiceHtml(
      sampleView(6, {
        client: { postalAddress: 'Damrak 1\n1012 LG Amsterdam', poNumber: 'PO-77', taxId: 'NL123456789B01' },
        settings: {
          locale: 'en-GB',
          invoice: {
            ...MSP.invoice,
            paymentInstructions: 'IBAN NL91 ABNA 0417 1643 00',
            remitTo: 'Postbus 1\n1000 AA Amsterdam',
          },
        },
      }),
    );
    for (const text of [
      'EUR 1,025.31',
      'Tax 21% on 836.76',
      '1 Feb 2025',
      '8 Feb 2025',
      'Services February 2025 · usage and adjustments for January 2025',
      'Damrak 1<br>1012 LG Amsterdam',
      'PO-77',
      'Tax ID NL123456789B01',
      'How to pay',
      'IBAN NL91 ABNA 0417 1643 00',
      'Postbus 1<br>1000 AA Amsterdam',
    ]) {
      expect(html).toContain(text);
    }
    expect(html).toContain('<html lang="en-GB">');
    expect(html).toContain('<span class="nowrap">8 Feb 2025</span>');
  });
});

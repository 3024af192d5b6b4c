import { describe, expect, it } from 'vitest';
import { formatMoney } from '../../functions/domain/money.js';
import { renderInvoiceHtml } from '../../functions/render/invoice-html.js';
import { sampleView } from './sample.js';

describe('renderInvoiceHtml', () => {
  it('contains every line and its amount', () => {
    const view = sampleView(40);
    const html = renderInvoiceHtml(view);
    for (const line of view.invoice.lines) {
      expect(html).toContain(`<td>${formatMoney(line.amount, 'EUR')}</td>`);
      // A cost-plus line states its cost as rounded money (calculate-invoice's text keeps the exact cost).
      const description = line.kind === 'usage' ? 'Azure consumption, usage January 2025 at cost EUR 101.53 + 15%' : line.description;
      expect(html).toContain(description.replace(/&/g, '&amp;'));
    }
  });

  it('mirrors the PDF: header, groups, usage, totals and terms', () => {
    const html = renderInvoiceHtml(sampleView(6));
    for (const text of ['INVOICE', 'OSP-2025-000001', 'Osprey Networks', 'Keizersgracht 12', 'Brouwer &amp; Zonen B.V.', 'ap@brouwer.example, finance@brouwer.example',
      'Recurring', 'True-up', 'Credits', 'Usage', 'Late fees', 'usage: 27 used vs 25 contracted (+2)',
      'Subtotal', 'Tax 21% on 836.76', 'EUR 1,025.31', 'Amount paid', 'EUR 925.31', 'Payment due within 7 days', 'Partially paid']) {
      expect(html).toContain(text);
    }
  });

  it('is self-contained: no scripts, external resources or links to load', () => {
    const html = renderInvoiceHtml(sampleView(6));
    expect(html).not.toMatch(/<script|<link|<img|src=|url\(/i);
    expect(html).toContain('@media print');
  });

  it('escapes user values', () => {
    const html = renderInvoiceHtml(sampleView(3, {
      client: { name: '<script>alert(1)</script>', billingEmails: ['"><img src=x>@x.example'] },
      settings: { msp: { name: 'Evil <b>MSP</b>', email: 'a@b.example', address: '<iframe>' } },
    }));
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<iframe>');
    expect(html).not.toContain('<b>MSP</b>');
  });
});

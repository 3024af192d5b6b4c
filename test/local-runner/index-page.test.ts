import { describe, expect, it } from 'vitest';
import type { InvoiceJson } from '../../functions/app/invoice-json.js';
import { renderIndexPage, shownStatus, totalsByCurrency } from '../../functions/local-runner/index-page.js';
import { withStatusBanner } from '../../functions/local-runner/write-outputs.js';

const invoice = (overrides: Partial<InvoiceJson>): InvoiceJson => ({
  number: 'INV-2025-000001',
  clientId: 'C1',
  period: '2025-01',
  currency: 'EUR',
  issueDate: '2025-02-01',
  dueDate: '2025-02-15',
  lines: [],
  subtotal: '100.00',
  tax: '0.00',
  total: '100.00',
  status: 'open',
  balance: '100.00',
  ...overrides,
});

describe('index.html', () => {
  it('calls an unpaid invoice past its due date overdue, and not one due today or later', () => {
    expect(shownStatus(invoice({}), '2025-02-16').key).toBe('overdue');
    expect(shownStatus(invoice({}), '2025-02-15').key).toBe('open');
    expect(shownStatus(invoice({ status: 'partially_paid', balance: '40.00' }), '2025-03-01').label).toBe(
      'overdue (partially paid)',
    );
    expect(shownStatus(invoice({ status: 'paid', balance: '0.00' }), '2025-03-01')).toEqual({
      key: 'paid',
      label: 'paid',
    });
  });

  it('totals billed, collected, outstanding and overdue per currency, exactly', () => {
    const totals = totalsByCurrency(
      [
        invoice({ total: '100.10', balance: '100.10' }),
        invoice({ number: 'INV-2', total: '0.20', balance: '0.00', status: 'paid' }),
        invoice({
          number: 'INV-3',
          currency: 'JPY',
          total: '980',
          balance: '480',
          status: 'partially_paid',
          dueDate: '2025-04-01',
        }),
      ],
      '2025-03-01',
    );
    expect(
      [...totals].map(([c, t]) => [
        c,
        t.billed.toFixed(),
        t.collected.toFixed(),
        t.outstanding.toFixed(),
        t.overdue.toFixed(),
      ]),
    ).toEqual([
      ['EUR', '100.3', '0.2', '100.1', '100.1'],
      ['JPY', '980', '500', '480', '0'],
    ]);
  });

  it('has a viewport, names clients (escaped) and wraps each table in its own scroll box', () => {
    const html = renderIndexPage({
      mspName: 'M',
      asOf: '2025-03-01',
      periods: ['2025-01'],
      invoices: [invoice({})],
      emails: [],
      clientNames: new Map([['C1', '<b>Acme</b>']]),
    });
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<td title="C1">&lt;b&gt;Acme&lt;/b&gt;</td>');
    expect(html.match(/<div class="scroll"><table>/g)).toHaveLength(4);
    expect(html).toContain('<td class="status overdue">overdue</td>');
  });

  it('puts the as-of banner first in the body of an invoice page copy', () => {
    const page = withStatusBanner(
      '<html><body class="x"><h1>Invoice</h1></body></html>',
      invoice({ status: 'partially_paid', balance: '40.00' }),
      '2025-02-10',
    );
    expect(page).toMatch(
      /<body class="x">\n<div class="asof"[^>]*>As of 2025-02-10: partially paid — balance EUR 40.00<\/div><h1>/,
    );
  });
});

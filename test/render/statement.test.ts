/**
 * The statement of account as HTML, PDF and email: laid out as an invoice (same letterhead and
 * bill-to block) with its own title and columns, balances per currency, exact money, user
 * values escaped, the PDF deterministic; and the dunning email byte-for-byte as before when
 * neither a statement nor a Pay link is given.
 */
import { describe, expect, it } from 'vitest';
import type { Settings } from '../../functions/domain/billing-types.js';
import { dunningEmail, type DunningItem } from '../../functions/render/emails.js';
import { statementEmail, statementFilename } from '../../functions/render/statement-email.js';
import { renderStatementHtml } from '../../functions/render/statement-html.js';
import { statementBalances, statementModel, type StatementView } from '../../functions/render/statement-model.js';
import { renderStatementPdf } from '../../functions/render/statement-pdf.js';
import { client, d, settings } from '../support/builders.js';
import { pdfPageCount, pdfTextRuns } from './pdf-text.js';

function view(overrides: Partial<StatementView['statement']> = {}, s: Settings = settings()): StatementView {
  return {
    client: client({ name: 'Brouwer <& Zonen>', postalAddress: 'Keizersgracht 12\nAmsterdam' }),
    settings: s,
    statement: {
      clientId: 'C001',
      asOf: '2026-03-01',
      month: '2026-03',
      invoices: [
        {
          number: 'INV-2026-000001',
          issueDate: '2026-01-01',
          dueDate: '2026-01-31',
          currency: 'USD',
          total: d('1200.10'),
          settled: d('200.05'),
          balance: d('1000.05'),
          daysOverdue: 29,
          disputed: false,
        },
        {
          number: 'INV-2026-000002',
          issueDate: '2026-02-01',
          dueDate: '2026-03-03',
          currency: 'USD',
          total: d('0.30'),
          settled: d('0'),
          balance: d('0.30'),
          daysOverdue: -2,
          disputed: false,
        },
        {
          number: 'INV-2026-000003',
          issueDate: '2026-02-01',
          dueDate: '2026-02-15',
          currency: 'EUR',
          total: d('50'),
          settled: d('0'),
          balance: d('50'),
          daysOverdue: 14,
          disputed: true,
        },
      ],
      credits: [{ creditNote: 'CN-2026-000001', currency: 'USD', amount: d('0.10'), issuedOn: '2026-02-20' }],
      payments: [
        {
          paymentId: 'P-7',
          invoiceNumber: 'INV-2026-000001',
          currency: 'USD',
          amount: d('200.05'),
          receivedOn: '2026-03-01',
        },
      ],
      ...overrides,
    },
  };
}

describe('statement model', () => {
  it('adds up each currency exactly: open, overdue, credit and balance', () => {
    expect(
      statementBalances(view().statement).map((b) => [
        b.currency,
        b.invoices.toFixed(2),
        b.overdue.toFixed(2),
        b.credit.toFixed(2),
        b.balance.toFixed(2),
      ]),
    ).toEqual([
      ['EUR', '50.00', '50.00', '0.00', '50.00'],
      ['USD', '1000.35', '1000.05', '0.10', '1000.25'],
    ]);
  });

  it('is laid out as an invoice titled Statement, with its own columns and groups', () => {
    const m = statementModel(view());
    expect([m.heading, m.balanceLabel, m.columns]).toEqual([
      'STATEMENT',
      'Balance',
      { description: 'Item', quantity: 'Total', unitPrice: 'Paid', amount: 'Open' },
    ]);
    expect(m.groups.map((g) => [g.label, g.rows.length])).toEqual([
      ['Open invoices', 3],
      ['Unspent credit', 1],
      ['Payments received in March 2026', 1],
    ]);
    expect(m.groups[0]?.rows[2]?.detail).toBe('issued Feb 1, 2026 · due Feb 15, 2026 · 14 days overdue · disputed');
    expect(m.balanceDue).toBe('2 currencies, below');
    expect(statementModel(view({ invoices: view().statement.invoices.slice(0, 2) })).balanceDue).toBe('USD 1,000.25');
    expect(m.totals.filter((t) => t.strong).map((t) => [t.label, t.value])).toEqual([
      ['Balance (EUR)', 'EUR 50.00'],
      ['Balance (USD)', 'USD 1,000.25'],
    ]);
  });
});

describe('renderStatementHtml', () => {
  it('shows the letterhead, the statement columns and every open item, escaping user values', () => {
    const html = renderStatementHtml(view());
    expect(html).toContain('<h1>STATEMENT</h1>');
    expect(html).toContain('<thead><tr><th>Item</th><th>Total</th><th>Paid</th><th>Open</th></tr></thead>');
    expect(html).toContain('Brouwer &lt;&amp; Zonen&gt;');
    expect(html).not.toContain('Brouwer <& Zonen>');
    for (const text of ['INV-2026-000001', 'USD 1,000.05', 'CN-2026-000001', 'USD -0.10', 'Payment P-7', 'USD 200.05'])
      expect(html).toContain(text);
  });
});

describe('renderStatementPdf', () => {
  it('writes the same bytes twice, one page, with the statement’s headings and figures', async () => {
    const [a, b] = await Promise.all([renderStatementPdf(view()), renderStatementPdf(view())]);
    expect(a.equals(b)).toBe(true);
    expect(pdfPageCount(a)).toBe(1);
    expect(pdfTextRuns(a)).toEqual(
      expect.arrayContaining([
        'STATEMENT',
        'Item',
        'Paid',
        'Open',
        'Invoice INV-2026-000003',
        '1,200.10',
        'USD 1,000.25',
        'Balance (USD)',
      ]),
    );
  });
});

describe('statementEmail', () => {
  it('lists the open invoices, the balances and the Pay links given, with the PDF attached', () => {
    const pdf = Buffer.from('%PDF-');
    const email = statementEmail(
      view(),
      pdf,
      new Map([['INV-2026-000001', 'https://pay.example/pay/INV-2026-000001?t=x']]),
    );
    expect(email.subject).toBe('Statement of account as of 2026-03-01 — Acme IT');
    expect(email.text).toContain('Balance USD: USD 1,000.25 (USD 1,000.05 overdue)');
    expect(email.text).toContain('Payments received in March 2026: USD 200.05');
    expect(email.text).toContain('Pay online:\n  INV-2026-000001: https://pay.example/pay/INV-2026-000001?t=x');
    expect(email.text).not.toContain('INV-2026-000002: https');
    expect(email.html).toContain('href="https://pay.example/pay/INV-2026-000001?t=x"');
    expect(email.attachments).toEqual([
      { filename: statementFilename('C001', '2026-03-01'), contentType: 'application/pdf', content: pdf },
    ]);
    expect(statementFilename('C/1', '2026-03-01')).toBe('statement-C_1-2026-03-01.pdf');
  });
});

describe('dunningEmail', () => {
  const item: DunningItem = {
    invoiceNumber: 'INV-2026-000001',
    currency: 'USD',
    balance: d('100'),
    dueDate: '2026-01-31',
    daysOverdue: 7,
    step: 'overdue_1',
  };
  const input = { settings: settings(), client: client(), date: '2026-02-07', items: [item] };

  it('is unchanged without a Pay link or a statement; adds one Pay line per linked invoice', () => {
    const plain = dunningEmail(input);
    const linked = dunningEmail({
      ...input,
      items: [{ ...item, payUrl: 'https://pay.example/pay/INV-2026-000001?t=x' }],
    });
    expect(plain.text).not.toContain('Pay online');
    expect(
      linked.text.replace('Pay online:\n  INV-2026-000001: https://pay.example/pay/INV-2026-000001?t=x\n\n', ''),
    ).toBe(plain.text);
    expect(linked.html).toContain('<a class="pay" href="https://pay.example/pay/INV-2026-000001?t=x"');
  });

  it('statement-style: lists the other overdue invoices, keeps the tone of today’s steps, attaches the statement', () => {
    const listed: DunningItem = {
      ...item,
      invoiceNumber: 'INV-2025-000009',
      daysOverdue: 40,
      step: '',
      balance: d('5.5'),
    };
    const pdf = { filename: 'statement-C001-2026-02-07.pdf', content: Buffer.from('%PDF-') };
    const email = dunningEmail({ ...input, statement: { listed: [listed], pdf } });
    expect(email.subject).toBe('Overdue: 2 invoices past due — Acme IT');
    expect(email.text).toMatch(/INV-2025-000009[^\n]+USD 5\.50[^\n]+40 days overdue/);
    expect(email.text).toContain('Total outstanding: USD 105.50');
    expect(email.text).toContain('Your statement of account is attached: statement-C001-2026-02-07.pdf.');
    expect(email.text).not.toContain('Final notice');
    expect(email.attachments.map((a) => a.filename)).toEqual(['statement-C001-2026-02-07.pdf']);
  });
});

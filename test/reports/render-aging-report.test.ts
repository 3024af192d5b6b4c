import { describe, expect, it } from 'vitest';
import { computeAging, dsoTrend } from '../../functions/domain/compute-aging.js';
import { Dec } from '../../functions/domain/money.js';
import type { Invoice, InvoiceAccount } from '../../functions/domain/billing-types.js';
import { renderAgingReport } from '../../functions/reports/render-aging-report.js';
import { client, d } from '../support/builders.js';

function account(
  number: string,
  clientId: string,
  dueDate: string,
  total: string,
  currency = 'USD',
  paid?: string,
): InvoiceAccount & { stepsSent: Set<string> } {
  const amount = new Dec(total);
  const invoice: Invoice = {
    number,
    clientId,
    period: '2026-01',
    currency,
    issueDate: '2026-01-01',
    dueDate,
    lines: [
      { kind: 'recurring', sku: 'S', period: '2026-01', description: 'S', quantity: d(1), unitPrice: amount, amount },
    ],
    subtotal: amount,
    tax: d(0),
    total: amount,
  };
  return {
    invoice,
    payments: paid ? [{ paymentId: `p-${number}`, amount: d(paid), receivedOn: '2026-02-01' }] : [],
    stepsSent: new Set(number === 'INV-3' ? ['final'] : []),
  };
}

describe('renderAgingReport', () => {
  const invoices = [
    account('INV-1', 'C001', '2026-03-01', '100.00'),
    account('INV-2', 'C001', '2026-01-15', '250.00', 'USD', '50.00'),
    account('INV-3', 'C002', '2025-12-01', '980', 'JPY'),
  ];
  const clients = [
    client({ name: 'Alpha <b>&</b> Co' }),
    client({ clientId: 'C002', name: 'Beta KK', currency: 'JPY' }),
  ];
  const report = computeAging({ asOf: '2026-03-20', clients, invoices });
  const rendered = renderAgingReport({ mspName: 'Acme IT', asOf: '2026-03-20', report, invoices, finalStep: 'final' });

  it("lists each client's buckets with the currency minor digits, then totals per currency", () => {
    expect(rendered.text).toContain('Alpha <b>&</b> Co\tUSD\t0.00\t100.00\t0.00\t200.00\t0.00\t300.00');
    expect(rendered.text).toContain('TOTAL\tJPY\t0\t0\t0\t0\t980\t980');
  });
  it('draws one stacked bar per currency and escapes client names', () => {
    expect(rendered.html.match(/<p style="margin:12px 0 2px"><b>/g)).toHaveLength(2);
    expect(rendered.html).toContain('Alpha &lt;b&gt;&amp;&lt;/b&gt; Co');
    expect(rendered.html).not.toContain('<b>&</b>');
  });
  it('names the clients who reached the final notice', () => {
    expect(rendered.text).toContain('Reached the final notice: C002 (INV-3)');
  });
  it('states DSO per currency, over the days since the first invoice when that is under 90', () => {
    // Invoices from 2026-01-01 only: 79 days of history, not 90. USD: AR 300 ÷ 350 invoiced × 79.
    expect(rendered.text).toContain(
      'DSO USD (2026-01-01 to 2026-03-20, 79 days: less than 90 days of history, counted from the first invoice): 67.7 days',
    );
    expect(rendered.html).toContain('Days sales outstanding (the 79 days since the first invoice)');
  });
  it('keeps the trailing 90 days once the history is longer', () => {
    const old = {
      ...account('INV-0', 'C001', '2025-10-15', '10.00', 'USD', '10.00'),
      invoice: { ...account('INV-0', 'C001', '2025-10-15', '10.00').invoice, issueDate: '2025-10-01' },
    };
    const longer = [...invoices, old];
    const text = renderAgingReport({
      mspName: 'Acme IT',
      asOf: '2026-03-20',
      report: computeAging({ asOf: '2026-03-20', clients, invoices: longer }),
      invoices: longer,
    }).text;
    expect(text).toContain('DSO USD (2025-12-21 to 2026-03-20): 77.1 days'); // 300 ÷ 350 × 90
  });
});

describe('renderAgingReport with the DSO trend', () => {
  const invoices = [account('INV-9', 'C001', '2026-03-01', '100.00')];
  const clients = [client()];
  const trend = dsoTrend({ asOf: '2026-03-20', clients, invoices }, 3);
  const rendered = renderAgingReport({
    mspName: 'Acme IT',
    asOf: '2026-03-20',
    report: computeAging({ asOf: '2026-03-20', clients, invoices }),
    invoices,
    dsoTrend: trend,
  });

  it("tabulates each currency's DSO at each date, after the DSO section", () => {
    expect(trend.map((p) => p.asOf)).toEqual(['2026-01-20', '2026-02-20', '2026-03-20']);
    expect(rendered.text).toContain('DSO trend (days): 2026-01-20, 2026-02-20, 2026-03-20');
    // 100 open of 100 invoiced on 2026-01-01: the days covered, not 90, at each date.
    expect(rendered.text).toContain('  USD: 20, 51, 79');
    expect(rendered.html).toContain('DSO trend, days');
    expect(rendered.html.indexOf('DSO trend, days')).toBeGreaterThan(rendered.html.indexOf('Days sales outstanding'));
  });
});

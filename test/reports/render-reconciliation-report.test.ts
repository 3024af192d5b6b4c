import { describe, expect, it } from 'vitest';
import type { ReconciliationJson } from '../../functions/domain/reconciliation-shape.js';
import { closestNames } from '../../functions/reports/closest-names.js';
import {
  renderReconciliationReport,
  summarizeRejections,
} from '../../functions/reports/render-reconciliation-report.js';

const reconciliation: ReconciliationJson = {
  period: '2026-03',
  pairs: [],
  discrepancies: [
    { id: 'D1', type: 'under_billed', clientId: 'c<script>1', sku: 'SEAT', amountAtStake: '7.80', currency: 'USD' },
    { id: 'D2', type: 'under_billed', clientId: 'c2', sku: 'SEAT', amountAtStake: '12.5', currency: 'USD' },
    {
      id: 'D3',
      type: 'unmapped_sku',
      vendor: 'microsoft',
      vendorSku: 'CFQ7TTC0MM8R:0002',
      amountAtStake: '135.00',
      currency: 'USD',
    },
    {
      id: 'D4',
      type: 'unknown_account',
      vendor: 'aws',
      accountId: '418273645109',
      amountAtStake: '1.00',
      currency: 'USD',
    },
    {
      id: 'D5',
      type: 'unknown_account',
      vendor: 'pax8',
      accountId: '=HYPERLINK("x")',
      amountAtStake: '0.00',
      currency: 'USD',
    },
  ],
  metrics: { pairs: 10, discrepancies: 5, discrepancyRate: '0.2000' },
  files: [],
};

describe('renderReconciliationReport', () => {
  const report = renderReconciliationReport({
    mspName: 'Acme & Co',
    reconciliation,
    history: [
      { period: '2026-02', discrepancyRate: '0.1000' },
      { period: '2026-03', discrepancyRate: '0.2000' },
    ],
    lifecycle: [
      { status: 'resolved', openedOn: '2026-02-01', closedOn: '2026-02-05' },
      { status: 'open', openedOn: '2026-03-01' },
    ],
    catalog: {
      accounts: [{ vendor: 'aws', accountId: '418273645108', clientId: 'granite-eng' }],
      products: [{ sku: 'M365-BP', name: 'Microsoft 365 Business Premium' }],
      vendorSkus: [{ vendor: 'microsoft', vendorSku: 'CFQ7TTC0MM8R:0001' }],
      clients: [{ clientId: 'c2', name: 'Granite Engineering' }],
    },
  });

  it('sums amounts at stake per type with the currency minor digits', () => {
    expect(report.text).toContain('under_billed: 2 (20.30 USD)');
    expect(report.html).toContain('20.30 USD');
  });
  it('shows the rate trend and the lifecycle figures', () => {
    expect(report.text).toContain('2026-02 10.00%, 2026-03 20.00%');
    expect(report.text).toContain('Discrepancies open: 1; resolved or dismissed: 1; mean resolution time: 4 days');
  });
  it('suggests the closest catalog entries for unknown accounts and unmapped skus', () => {
    expect(report.html).toContain('mapped CFQ7TTC0MM8R:0001');
    expect(report.html).toContain('418273645108 (granite-eng)');
  });
  it("escapes values from users' files in HTML and neutralizes formulas in the CSV", () => {
    expect(report.html).not.toContain('c<script>1');
    expect(report.html).toContain('c&lt;script&gt;1');
    expect(report.csv).toContain(`"'=HYPERLINK(""x"")"`);
    expect(report.csv.split('\r\n')[0]).toBe(
      'id,type,client_id,sku,vendor,account_id,vendor_sku,amount_at_stake,currency,detail,status,invoice_number,invoice_line',
    );
  });
  it('names clients by name (the id when unknown) and products beside their SKU', () => {
    const report2 = renderReconciliationReport({
      mspName: 'Acme',
      reconciliation,
      history: [],
      lifecycle: [],
      catalog: {
        accounts: [],
        products: [{ sku: 'SEAT', name: 'Seat licence' }],
        vendorSkus: [],
        clients: [{ clientId: 'c2', name: 'Granite Engineering' }],
      },
    });
    expect(report2.text).toContain('under_billed Granite Engineering SEAT (Seat licence): 12.5 USD');
    expect(report2.html).toContain(
      '<td style="padding:4px 8px;border-bottom:1px solid #ddd;text-align:left">Granite Engineering</td>',
    );
    expect(report2.html).toContain('SEAT (Seat licence)');
    expect(report2.html).toContain('c&lt;script&gt;1');
  });
  it('prints no empty table: a sentence instead', () => {
    const empty = renderReconciliationReport({
      mspName: 'Acme',
      reconciliation: {
        ...reconciliation,
        discrepancies: [],
        metrics: { pairs: 3, discrepancies: 0, discrepancyRate: '0.0000' },
      },
      history: [],
      lifecycle: [],
      catalog: { accounts: [], products: [], vendorSkus: [] },
    });
    expect(empty.html).not.toContain('<table');
    expect(empty.html).toContain('No discrepancies this period.');
    expect(empty.html).toContain('None: every account and vendor SKU is known.');
    expect(empty.text).toContain('By type:\n  no discrepancies');
  });
  it('explains rejected rows: reasons counted, the first lines, the attached CSV', () => {
    const csv =
      'file,line,field,reason\r\nu.csv,3,quantity,"must be a number (got ""x"")"\r\nu.csv,5,quantity,"must be a number (got ""y"")"\r\n' +
      'u.csv,9,usage_date,"""02/03/2025"" is not a real date"\r\nu.csv,11,usage_date,"""31/03/2025"" is not a real date"\r\nu.csv,12,,wrong number of cells\r\n';
    const summary = summarizeRejections('u.csv', csv, 'u.csv.errors.csv');
    expect(summary.reasons).toEqual([
      { reason: 'quantity: must be a number', count: 2 },
      { reason: 'usage_date: "…" is not a real date', count: 2 },
      { reason: 'wrong number of cells', count: 1 },
    ]);
    expect(summary.first.map((f) => f.line)).toEqual(['3', '5', '9', '11', '12']);
    const withRejections = renderReconciliationReport({
      mspName: 'Acme',
      reconciliation: {
        ...reconciliation,
        files: [{ name: 'u.csv', rowsRead: 10, rowsAccepted: 5, rowsRejected: 5, rowsDuplicate: 0 }],
      },
      history: [],
      lifecycle: [],
      rejections: [summary],
    });
    for (const part of [withRejections.text, withRejections.html]) {
      expect(part).toContain('Rejected rows of u.csv');
      expect(part).toContain('u.csv.errors.csv');
    }
    expect(withRejections.text).toContain('  2 × quantity: must be a number');
    expect(withRejections.text).toContain('    line 3, quantity: must be a number (got "x")');
    expect(withRejections.text).toContain('  The rejected rows:');
    expect(withRejections.html).toContain('must be a number (got &quot;y&quot;)');
  });
  it('says so when no file arrived since the last run', () => {
    expect(report.html).toContain('No usage file arrived since the previous billing run.');
  });
});

describe('closestNames', () => {
  const candidates = [
    { key: 'M365-BP Microsoft 365 Business Premium', label: 'M365-BP' },
    { key: 'DEVICE Managed device', label: 'DEVICE' },
  ];
  it('ranks the most alike first', () => {
    expect(closestNames('Microsoft 365 Premium', candidates)).toEqual(['M365-BP']);
  });
  it('suggests nothing when nothing is alike', () => {
    expect(closestNames('zzzz', candidates)).toEqual([]);
  });
});

describe('renderReconciliationReport with a missing feed', () => {
  const withFeed: ReconciliationJson = {
    ...reconciliation,
    discrepancies: [
      {
        id: 'F1',
        type: 'missing_feed',
        vendor: 'pax8',
        amountAtStake: null,
        currency: 'USD',
        detail: 'no usage from pax8 for 2026-03; 2 pair(s) of 1 client(s) held until it arrives',
      },
      ...reconciliation.discrepancies,
    ],
    released: [{ period: '2026-02', vendor: 'ninjaone', pairs: [], discrepancies: [] }],
  };
  const report = renderReconciliationReport({
    mspName: 'Acme',
    reconciliation: withFeed,
    history: [],
    lifecycle: [],
    catalog: { accounts: [], products: [], vendorSkus: [] },
  });

  it('says so before anything else, in the text and the HTML', () => {
    const lines = report.text.split('\n');
    expect(lines[1]).toBe(
      'MISSING FEED: pax8 — no usage from pax8 for 2026-03; 2 pair(s) of 1 client(s) held until it arrives',
    );
    expect(lines[2]).toContain("Released: ninjaone's usage for 2026-02 arrived");
    expect(report.html.indexOf('MISSING FEED: pax8')).toBeGreaterThan(0);
    expect(report.html.indexOf('MISSING FEED: pax8')).toBeLessThan(report.html.indexOf('By type'));
  });
});

describe('renderReconciliationReport with a feed not due yet', () => {
  const report = renderReconciliationReport({
    mspName: 'Acme',
    reconciliation: { ...reconciliation, held: [{ vendor: 'partner-center', clientId: 'c2', sku: 'SEAT' }] },
    history: [],
    lifecycle: [],
    catalog: { accounts: [], products: [], vendorSkus: [] },
  });
  it('says which pairs wait for it, without calling it missing', () => {
    expect(report.text.split('\n')[1]).toBe(
      "Not due yet: partner-center's usage for 2026-03; 1 pair(s) held and billed on the run after it arrives",
    );
    expect(report.text).not.toContain('MISSING FEED');
  });
});

describe('renderReconciliationReport: discrepancies that close', () => {
  const report = renderReconciliationReport({
    mspName: 'Acme',
    reconciliation,
    history: [],
    lifecycle: [
      {
        id: 'D1',
        status: 'billed',
        openedOn: '2026-04-01',
        closedOn: '2026-04-01',
        invoiceNumber: 'INV-2026-000007',
        invoiceLine: 3,
        automatic: true,
      },
      // A person billed D2 as a charge: their decision took 9 days.
      {
        id: 'D2',
        status: 'billed',
        openedOn: '2026-04-01',
        closedOn: '2026-04-10',
        invoiceNumber: 'INV-2026-000012',
        invoiceLine: 2,
      },
      { id: 'D3', status: 'dismissed', openedOn: '2026-04-01', closedOn: '2026-04-02' },
      { id: 'D4', status: 'acknowledged', openedOn: '2026-04-01' },
    ],
  });

  it('splits what invoices carried from what needs a decision', () => {
    expect(report.text).toContain('Handled automatically (on INV-2026-000007, INV-2026-000012): 2');
    expect(report.text).toContain('  under_billed c<script>1 SEAT: 7.80 USD — billed on INV-2026-000007 line 3');
    expect(report.text).toContain('Needs your decision: 2\n  unknown_account aws 418273645109: 1.00 USD — D4');
    expect(report.html).toContain('<h2 style="font-size:16px">Needs your decision</h2>');
    expect(report.html).not.toContain('<script>1');
  });

  it('counts only decisions made by people in the mean resolution time', () => {
    expect(report.text).toContain(
      'Discrepancies open: 1; resolved or dismissed: 2; mean resolution time: 5 days; closed on an invoice by policy: 1',
    );
  });

  it('appends status, invoice and line to the CSV', () => {
    const rows = report.csv.split('\r\n');
    expect(rows[1]).toMatch(/^D1,.*,billed,INV-2026-000007,3$/);
    expect(rows[4]).toMatch(/^D4,.*,acknowledged,,$/);
    expect(rows[5]).toMatch(/^D5,.*,open,,$/);
  });
});

describe('renderReconciliationReport: many discrepancies waiting', () => {
  it('lists the first ones and says where the rest are', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({
      id: `D${i}`,
      type: 'unbilled_usage',
      clientId: 'c1',
      sku: 'SEAT',
      amountAtStake: '1.00',
      currency: 'USD',
    }));
    const report = renderReconciliationReport({
      mspName: 'Acme',
      reconciliation: { ...reconciliation, discrepancies: many },
      history: [],
      lifecycle: [],
    });
    expect(report.text).toContain('Needs your decision: 60');
    expect(report.text).toContain('  … and 10 more: every discrepancy is in the attached CSV.');
    expect(report.text).not.toContain('— D50');
    expect(report.csv.split('\r\n')).toHaveLength(62);
  });
});

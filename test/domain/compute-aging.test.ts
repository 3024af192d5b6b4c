import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { agingCsv } from '../../functions/domain/aging-csv.js';
import {
  agingBucket,
  AGING_BUCKETS,
  computeAging,
  dsoTrend,
  type AgingReport,
} from '../../functions/domain/compute-aging.js';
import { addDays } from '../../functions/domain/dates.js';
import { invoiceBalance } from '../../functions/domain/invoice-balance.js';
import { Dec, ZERO, formatMoney } from '../../functions/domain/money.js';
import type { Invoice, InvoiceAccount } from '../../functions/domain/billing-types.js';
import { client, d } from '../support/builders.js';
import { conformanceClients, expectedAgingCsv, replay } from './ar-conformance.js';

const AS_OF = '2025-06-10';

let counter = 0;
function account(
  total: string | number,
  dueDate: string,
  overrides: Partial<Invoice> = {},
  payments: Array<[string | number, string]> = [],
): InvoiceAccount {
  counter += 1;
  const invoice: Invoice = {
    number: `INV-2025-${String(counter).padStart(6, '0')}`,
    clientId: 'C001',
    period: '2025-01',
    currency: 'USD',
    issueDate: addDays(dueDate, -30),
    dueDate,
    lines: [],
    subtotal: d(total),
    tax: d(0),
    total: d(total),
    ...overrides,
  };
  return {
    invoice,
    payments: payments.map(([amount, receivedOn], i) => ({
      paymentId: `${invoice.number}-P${i}`,
      amount: d(amount),
      receivedOn,
    })),
  };
}

const buckets = (report: AgingReport) =>
  report.rows.map((r) => [
    r.clientId,
    r.currency,
    ...AGING_BUCKETS.map((b) => r.buckets[b].toFixed()),
    r.total.toFixed(),
  ]);

describe('buckets by days past due as of the report date (docs/contract.md §8)', () => {
  it.each([
    [-10, 'current'],
    [0, 'current'],
    [1, '1-30'],
    [30, '1-30'],
    [31, '31-60'],
    [60, '31-60'],
    [61, '61-90'],
    [90, '61-90'],
    [91, '90+'],
    [400, '90+'],
  ] as const)('puts %i days past due in %s', (days, bucket) => {
    expect(agingBucket(days)).toBe(bucket);
    const report = computeAging({ asOf: AS_OF, clients: [client()], invoices: [account(100, addDays(AS_OF, -days))] });
    expect(report.rows[0]?.buckets[bucket].toFixed()).toBe('100');
  });
  it('counts the balance as of the report date: later payments and later invoices do not count', () => {
    const invoices = [
      account(100, '2025-06-01', {}, [
        [30, '2025-06-05'],
        [70, '2025-06-11'],
      ]),
      account(500, '2025-07-30', { issueDate: '2025-06-11' }),
    ];
    expect(buckets(computeAging({ asOf: AS_OF, clients: [client()], invoices }))).toEqual([
      ['C001', 'USD', '0', '70', '0', '0', '0', '70'],
    ]);
  });
  it('leaves out paid invoices and credit balances, and clients with nothing open', () => {
    const invoices = [
      account(100, '2025-05-01', {}, [[100, '2025-05-02']]),
      account('-166.07', '2025-04-15'),
      account(50, '2025-06-20', {}, [[60, '2025-06-01']]),
      account(80, '2025-06-20', { clientId: 'C002' }),
    ];
    const report = computeAging({
      asOf: AS_OF,
      clients: [client(), client({ clientId: 'C002', name: 'Two' })],
      invoices,
    });
    expect(buckets(report)).toEqual([['C002', 'USD', '80', '0', '0', '0', '0', '80']]);
  });
  it('keeps disputed invoices and clients with dunning none in AR', () => {
    const invoices = [
      { ...account(100, '2025-05-01'), disputedOn: '2025-05-05' },
      account(40, '2025-06-01', { clientId: 'C002' }),
    ];
    const report = computeAging({
      asOf: AS_OF,
      clients: [client(), client({ clientId: 'C002', dunning: 'none' })],
      invoices,
    });
    expect(report.rows.map((r) => r.total.toFixed())).toEqual(['100', '40']);
  });
});

describe('rows per client and currency, totals per currency', () => {
  const clients = [client({ clientId: 'B', name: 'Bee' }), client({ clientId: 'A', name: 'Ay' })];
  const invoices = [
    account('10.125', '2025-06-01', { clientId: 'B', currency: 'KWD' }),
    account(20, '2025-03-01', { clientId: 'B', currency: 'EUR' }),
    account(30, '2025-06-30', { clientId: 'A', currency: 'EUR' }),
    account('1.005', '2025-06-30', { clientId: 'A', currency: 'KWD' }),
    account(7, '2025-06-09', { clientId: 'A', currency: 'EUR' }),
  ];
  const report = computeAging({ asOf: AS_OF, clients, invoices });
  it('orders rows by client id then currency and totals by currency', () => {
    expect(report.rows.map((r) => [r.clientId, r.clientName, r.currency, r.total.toFixed()])).toEqual([
      ['A', 'Ay', 'EUR', '37'],
      ['A', 'Ay', 'KWD', '1.005'],
      ['B', 'Bee', 'EUR', '20'],
      ['B', 'Bee', 'KWD', '10.125'],
    ]);
    expect(
      report.totals.map((t) => [t.currency, ...AGING_BUCKETS.map((b) => t.buckets[b].toFixed()), t.total.toFixed()]),
    ).toEqual([
      ['EUR', '30', '7', '0', '0', '20', '57'],
      ['KWD', '1.005', '10.125', '0', '0', '0', '11.13'],
    ]);
  });
  it('writes the CSV with the currency minor digits, CRLF and one TOTAL row per currency', () => {
    expect(agingCsv(report)).toBe(
      [
        'client_id,client_name,currency,current,1-30,31-60,61-90,90+,total',
        'A,Ay,EUR,30.00,7.00,0.00,0.00,0.00,37.00',
        'A,Ay,KWD,1.005,0.000,0.000,0.000,0.000,1.005',
        'B,Bee,EUR,0.00,0.00,0.00,0.00,20.00,20.00',
        'B,Bee,KWD,0.000,10.125,0.000,0.000,0.000,10.125',
        'TOTAL,,EUR,30.00,7.00,0.00,0.00,20.00,57.00',
        'TOTAL,,KWD,1.005,10.125,0.000,0.000,0.000,11.130',
        '',
      ].join('\r\n'),
    );
  });
  it('writes an empty report as the header alone', () => {
    expect(agingCsv(computeAging({ asOf: AS_OF, clients, invoices: [] }))).toBe(
      'client_id,client_name,currency,current,1-30,31-60,61-90,90+,total\r\n',
    );
  });
});

describe('CSV quoting and spreadsheet formula injection', () => {
  it.each([
    ['Client 5 & Sons', 'Client 5 & Sons'],
    ['Smith, Jones', '"Smith, Jones"'],
    ['The "Best" Co', '"The ""Best"" Co"'],
    ['=HYPERLINK("http://x")', '"\'=HYPERLINK(""http://x"")"'],
    ['+1 Ltd', "'+1 Ltd"],
    ['-5.00', "'-5.00"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['Line\nbreak', '"Line\nbreak"'],
  ] as const)('writes the name %j as %j', (name, cell) => {
    const csv = agingCsv(
      computeAging({
        asOf: AS_OF,
        clients: [client({ name })],
        invoices: [account(-5, '2025-06-01'), account(5, '2025-05-20')],
      }),
    );
    expect(csv.split('\r\n')[1]).toBe(`C001,${cell},USD,0.00,5.00,0.00,0.00,0.00,5.00`);
  });
  it('writes client ids exactly as imported (clients.csv admits none a spreadsheet would run)', () => {
    // An id starts with a letter or digit (functions/domain/reference/cell-schemas.ts); the CSV
    // carries the id itself, never a neutralized copy that would no longer match the client.
    const report = (clientId: string): AgingReport => ({
      asOf: AS_OF,
      dso: [],
      lateness: [],
      rows: [
        {
          clientId,
          clientName: '-One',
          currency: 'USD',
          buckets: { current: d(5), '1-30': ZERO, '31-60': ZERO, '61-90': ZERO, '90+': ZERO },
          total: d(5),
        },
      ],
      totals: [],
    });
    expect(agingCsv(report('0-a._b')).split('\r\n')[1]).toBe("0-a._b,'-One,USD,5.00,0.00,0.00,0.00,0.00,5.00");
    expect(agingCsv(report('-1')).split('\r\n')[1]).toBe("-1,'-One,USD,5.00,0.00,0.00,0.00,0.00,5.00");
  });
  it('never alters numeric amounts, even negative ones', () => {
    const report: AgingReport = {
      asOf: AS_OF,
      dso: [],
      lateness: [],
      rows: [
        {
          clientId: 'C001',
          clientName: 'One',
          currency: 'USD',
          buckets: { current: d(-5), '1-30': ZERO, '31-60': ZERO, '61-90': ZERO, '90+': ZERO },
          total: d(-5),
        },
      ],
      totals: [
        {
          currency: 'USD',
          buckets: { current: d(-5), '1-30': ZERO, '31-60': ZERO, '61-90': ZERO, '90+': ZERO },
          total: d(-5),
        },
      ],
    };
    expect(agingCsv(report).split('\r\n').slice(1, 3)).toEqual([
      'C001,One,USD,-5.00,0.00,0.00,0.00,0.00,-5.00',
      'TOTAL,,USD,-5.00,0.00,0.00,0.00,0.00,-5.00',
    ]);
  });
});

describe('DSO over the trailing 90 days: AR ÷ invoiced in asOf − 89 … asOf × 90', () => {
  it.each([
    ['counts an invoice issued on asOf − 89', '2025-03-13', '90'],
    ['ignores an invoice issued on asOf − 90', '2025-03-12', undefined],
  ] as const)('%s', (_name, issueDate, days) => {
    const report = computeAging({
      asOf: AS_OF,
      clients: [client()],
      invoices: [account(300, addDays(issueDate, 30), { issueDate })],
    });
    expect(report.dso.map((x) => [x.currency, x.from, x.to, x.days?.toFixed()])).toEqual([
      ['USD', '2025-03-13', AS_OF, days],
    ]);
  });
  it('divides AR by invoicing per currency and rounds to one decimal', () => {
    const invoices = [
      account(50, '2025-01-15', { issueDate: '2025-01-01' }, [[50, '2025-01-10']]), // history before the window
      account(300, '2025-05-15', { issueDate: '2025-05-01' }, [[100, '2025-05-20']]),
      account(600, '2025-06-15', { issueDate: '2025-06-01' }),
      account(100, '2025-05-15', { issueDate: '2025-05-01', currency: 'EUR' }, [[100, '2025-05-02']]),
    ];
    const report = computeAging({ asOf: AS_OF, clients: [client()], invoices });
    // USD: AR 800 ÷ 900 × 90 = 80; EUR: nothing open ÷ 100 × 90 = 0
    expect(
      report.dso.map((x) => [x.currency, x.receivables.toFixed(), x.invoiced.toFixed(), x.days?.toFixed()]),
    ).toEqual([
      ['EUR', '0', '100', '0'],
      ['USD', '800', '900', '80'],
    ]);
    const thirds = computeAging({
      asOf: AS_OF,
      clients: [client()],
      invoices: [
        account(100, '2025-06-15', { issueDate: '2025-06-01' }),
        account(200, '2025-06-15', { issueDate: '2025-06-01' }, [[200, '2025-06-02']]),
        account(100, '2025-01-15', { issueDate: '2025-01-01' }),
      ],
    });
    expect(thirds.dso[0]?.days?.toFixed()).toBe('60'); // 200 ÷ 300 × 90
  });
});

describe('DSO with less than 90 days of history', () => {
  it('counts the days since the first invoice, not 90', () => {
    // First invoice 2025-05-12: 30 days to 2025-06-10. Everything open: DSO is 30, not 90.
    const report = computeAging({
      asOf: AS_OF,
      clients: [client()],
      invoices: [account(300, '2025-05-26', { issueDate: '2025-05-12' })],
    });
    expect(report.dso.map((x) => [x.from, x.windowDays, x.days?.toFixed()])).toEqual([['2025-05-12', 30, '30']]);
  });
  it('uses the first invoice of any currency', () => {
    const invoices = [
      account(100, '2025-05-15', { issueDate: '2025-05-01', currency: 'EUR' }, [[100, '2025-05-02']]),
      account(300, '2025-06-15', { issueDate: '2025-06-01' }),
    ];
    const report = computeAging({ asOf: AS_OF, clients: [client()], invoices });
    expect(report.dso.map((x) => [x.currency, x.from, x.windowDays, x.days?.toFixed()])).toEqual([
      ['EUR', '2025-05-01', 41, '0'],
      ['USD', '2025-05-01', 41, '41'],
    ]);
  });
});

describe('DSO trend: the same DSO as of the same day of each earlier month', () => {
  it('sees at each date only the invoices issued and the payments received by then', () => {
    const invoices = [
      account(300, '2025-05-05', { issueDate: '2025-04-05' }, [[300, '2025-05-20']]),
      account(600, '2025-06-15', { issueDate: '2025-05-31' }),
    ];
    const trend = dsoTrend({ asOf: '2025-06-30', clients: [client()], invoices }, 4);
    expect(trend.map((p) => p.asOf)).toEqual(['2025-03-30', '2025-04-30', '2025-05-30', '2025-06-30']);
    // History starts 04-05. 03-30: nothing invoiced yet; 04-30: 300 open of 300 over the 26 days
    // since → 26; 05-30: paid → 0; 06-30: 600 open of 900 over 87 days (04-05 … 06-30) → 58
    expect(trend.map((p) => p.dso.map((x) => x.days?.toFixed()))).toEqual([[], ['26'], ['0'], ['58']]);
    expect(trend.map((p) => p.dso.map((x) => x.windowDays))).toEqual([[], [26], [56], [87]]);
    expect(trend.at(-1)?.dso).toEqual(computeAging({ asOf: '2025-06-30', clients: [client()], invoices }).dso);
  });
  it('clamps the day to shorter months', () => {
    expect(dsoTrend({ asOf: '2025-05-31', clients: [client()], invoices: [] }, 4).map((p) => p.asOf)).toEqual([
      '2025-02-28',
      '2025-03-31',
      '2025-04-30',
      '2025-05-31',
    ]);
  });
});

describe("each client's average days late over the last 12 months", () => {
  it('averages max(0, paid date − due date) over invoices paid in asOf − 364 … asOf', () => {
    const invoices = [
      account(100, '2025-05-01', {}, [[100, '2025-05-11']]), // 10 days late
      account(100, '2025-04-01', {}, [
        [50, '2025-03-20'],
        [50, '2025-04-04'],
      ]), // 3
      account(100, '2025-06-01', {}, [[100, '2025-05-25']]), // early: 0
      account(100, '2024-06-01', {}, [[100, '2024-06-10']]), // paid on asOf − 365: outside
      account(100, '2025-06-01', {}, [[40, '2025-06-05']]), // not paid: not counted
      account(-50, '2025-06-01'), // credit note: not counted
      account(100, '2025-06-01', { clientId: 'C002' }, [[100, '2025-06-12']]), // paid after asOf
    ];
    const report = computeAging({
      asOf: AS_OF,
      clients: [client(), client({ clientId: 'C002', name: 'Two' })],
      invoices,
    });
    expect(report.lateness.map((l) => [l.clientId, l.invoicesPaid, l.averageDaysLate?.toFixed(), l.from])).toEqual([
      ['C001', 3, '4.3', '2024-06-11'],
      ['C002', 0, undefined, '2024-06-11'],
    ]);
  });
});

describe('properties', () => {
  const invoiceArb = fc.record({
    client: fc.constantFrom('A', 'B', 'C'),
    currency: fc.constantFrom('USD', 'KWD', 'JPY'),
    total: fc.integer({ min: -100_000, max: 1_000_000 }),
    due: fc.integer({ min: -200, max: 60 }),
    paid: fc.array(
      fc.record({ amount: fc.integer({ min: -1000, max: 500_000 }), day: fc.integer({ min: -200, max: 30 }) }),
      { maxLength: 3 },
    ),
  });
  it("buckets sum to each client's open balance and the totals sum the rows", () => {
    fc.assert(
      fc.property(fc.array(invoiceArb, { maxLength: 12 }), (specs) => {
        const invoices = specs.map((s) => {
          const total = new Dec(s.total).div(1000);
          return account(
            total.toFixed(),
            addDays(AS_OF, s.due),
            { clientId: s.client, currency: s.currency },
            s.paid.map((p) => [new Dec(p.amount).div(1000).toFixed(), addDays(AS_OF, p.day)]),
          );
        });
        const report = computeAging({
          asOf: AS_OF,
          clients: ['A', 'B', 'C'].map((clientId) => client({ clientId })),
          invoices,
        });
        for (const row of report.rows) {
          const open = invoices
            .filter(
              (a) =>
                a.invoice.clientId === row.clientId &&
                a.invoice.currency === row.currency &&
                a.invoice.issueDate <= AS_OF,
            )
            .map((a) => invoiceBalance(a, AS_OF).balance)
            .filter((b) => b.greaterThan(0))
            .reduce((s, b) => s.plus(b), ZERO);
          expect(AGING_BUCKETS.reduce((s, b) => s.plus(row.buckets[b]), ZERO).equals(row.total)).toBe(true);
          expect(row.total.equals(open)).toBe(true);
          expect(row.total.greaterThan(0)).toBe(true);
        }
        for (const total of report.totals) {
          const rows = report.rows.filter((r) => r.currency === total.currency);
          for (const b of AGING_BUCKETS)
            expect(rows.reduce((s, r) => s.plus(r.buckets[b]), ZERO).equals(total.buckets[b])).toBe(true);
          expect(rows.reduce((s, r) => s.plus(r.total), ZERO).equals(total.total)).toBe(true);
        }
        expect(new Set(report.rows.map((r) => r.currency))).toEqual(new Set(report.totals.map((t) => t.currency)));
        expect(agingCsv(report).split('\r\n')).toHaveLength(report.rows.length + report.totals.length + 2);
      }),
    );
  });
});

describe('conformance example: aging as of 2025-06-10', () => {
  it('writes exactly the expected CSV from the expected invoices and the payments received by then', () => {
    const { accounts } = replay('2025-01-28', AS_OF);
    const report = computeAging({ asOf: AS_OF, clients: conformanceClients(), invoices: accounts });
    expect(agingCsv(report)).toBe(expectedAgingCsv(AS_OF));
    expect(report.totals.map((t) => `${t.currency} ${formatMoney(t.total, t.currency)}`)).toEqual([
      'EUR 3540.99',
      'GBP 19110.91',
      'JPY 238',
      'KWD 9851.779',
    ]);
  });
});

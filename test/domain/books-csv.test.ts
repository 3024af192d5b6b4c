/**
 * The import files' layouts (docs/accounting.md, "Import files"): Xero's sales invoice template
 * and QuickBooks Online's invoice / credit memo import, one row per line, TrueUp's amounts and
 * tax carried to the cent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvText } from '../../functions/app/export-books-csv.js';
import type {
  Client,
  CreditNote,
  Invoice,
  InvoiceAccount,
  InvoiceLine,
  Product,
} from '../../functions/domain/billing-types.js';
import {
  ImportRefused,
  accountCodeOf,
  buildImportFile,
  defaultImportOptions,
  formatImportDate,
  shownLine,
  spreadTax,
  type ImportInput,
  type ImportLayout,
} from '../../functions/domain/books-csv.js';
import { Dec, decimalText, fromMinorUnits, sum } from '../../functions/domain/money.js';
import { DEFAULT_ACCOUNTS } from '../../functions/domain/reference/settings.js';

const d = (text: string): Dec => new Dec(text);

const PRODUCTS: Product[] = [
  { sku: 'M365', name: 'Microsoft 365', unit: 'seat', aggregation: 'max', incomeAccount: '4100 Licensing' },
  { sku: 'HELP', name: 'Helpdesk', unit: 'seat', aggregation: 'max', incomeAccount: 'Managed Services' },
];

const ACME: Client = {
  clientId: 'acme',
  name: 'Acme, Inc.',
  billingEmails: ['ap@acme.example', 'cfo@acme.example'],
  currency: 'USD',
  paymentTermsDays: 30,
  taxRate: d('8.25'),
  dunning: 'standard',
  postalAddress: '1 Main St\nSuite 5\nSpringfield IL 62701\nUSA\nPlanet Earth',
  poNumber: 'PO-77',
};

function line(kind: InvoiceLine['kind'], qty: string, price: string, extra: Partial<InvoiceLine> = {}): InvoiceLine {
  return {
    kind,
    description: kind,
    quantity: d(qty),
    unitPrice: d(price),
    amount: d(qty).times(d(price)),
    ...extra,
  };
}

function invoice(number: string, lines: InvoiceLine[], tax: string, extra: Partial<Invoice> = {}): Invoice {
  const subtotal = sum(lines.map((l) => l.amount));
  return {
    number,
    clientId: 'acme',
    period: '2026-03',
    currency: 'USD',
    issueDate: '2026-03-01',
    dueDate: '2026-03-31',
    lines,
    subtotal,
    tax: d(tax),
    total: subtotal.plus(d(tax)),
    ...extra,
  };
}

/**
 * The worked invoice: 12 seats of M365 at 22.00 (4100 Licensing), 3 hours of helpdesk at 10.01
 * (Managed Services), a charge added as not taxable, a late fee, client credit spent. Tax 8.25%
 * of the taxed 294.03 is 24.26: 21.78 on the first line, the remainder 2.48 on the last taxed one.
 */
const WORKED = invoice(
  'INV-2026-000042',
  [
    line('recurring', '12', '22.00', { sku: 'M365', description: 'Microsoft 365 Business Premium', period: '2026-03' }),
    line('usage', '3', '10.01', { sku: 'HELP', description: 'Helpdesk hours', period: '2026-02' }),
    line('charge', '1', '50.00', { description: 'Cabling', taxable: false, chargeId: 'CH-1' }),
    line('late_fee', '1', '15.00', { description: 'Late fee on INV-2026-000007' }),
    line('client_credit', '1', '-20.00', { description: 'Credit from CN-2026-000001', creditNote: 'CN-2026-000001' }),
  ],
  '24.26',
);

const NOTE: CreditNote = {
  number: 'CN-2026-000003',
  invoiceNumber: WORKED.number,
  clientId: 'acme',
  currency: 'USD',
  issueDate: '2026-03-25',
  reason: 'Outage',
  lines: [
    {
      description: 'Microsoft 365 Business Premium',
      quantity: d('2'),
      unitPrice: d('22.00'),
      amount: d('44.00'),
      invoiceLine: 1,
      taxable: true,
    },
    {
      description: 'Late fee on INV-2026-000007',
      quantity: d('1'),
      unitPrice: d('15.00'),
      amount: d('15.00'),
      invoiceLine: 4,
      taxable: false,
    },
  ],
  subtotal: d('59.00'),
  tax: d('3.63'),
  total: d('62.63'),
  applied: d('62.63'),
  clientCredit: d('0'),
  void: false,
};

function input(extra: Partial<ImportInput> = {}): ImportInput {
  const accounts: InvoiceAccount[] = [{ invoice: WORKED, payments: [] }];
  return {
    period: '2026-03',
    accounts: DEFAULT_ACCOUNTS,
    products: PRODUCTS,
    clients: [ACME],
    invoices: accounts,
    creditNotes: [NOTE],
    ...extra,
  };
}

function file(layout: ImportLayout, extra: Partial<ImportInput> = {}) {
  return buildImportFile(layout, input(extra), defaultImportOptions(layout));
}

/** The CSV's lines, split on CRLF (the last one empty). */
const lines = (layout: ImportLayout, extra: Partial<ImportInput> = {}): string[] => {
  const f = file(layout, extra);
  return csvText([f.header, ...f.rows]).split('\r\n');
};

describe('the import layouts', () => {
  it.each([
    [
      'xero-invoices-csv',
      '*ContactName,EmailAddress,POAddressLine1,POAddressLine2,POAddressLine3,POAddressLine4,POCity,PORegion,POPostalCode,POCountry,*InvoiceNumber,Reference,*InvoiceDate,*DueDate,Total,InventoryItemCode,*Description,*Quantity,*UnitAmount,Discount,*AccountCode,*TaxType,TaxAmount,TrackingName1,TrackingOption1,TrackingName2,TrackingOption2,Currency,BrandingTheme',
    ],
    [
      'xero-credit-notes-csv',
      '*ContactName,EmailAddress,POAddressLine1,POAddressLine2,POAddressLine3,POAddressLine4,POCity,PORegion,POPostalCode,POCountry,*InvoiceNumber,Reference,*InvoiceDate,*DueDate,Total,InventoryItemCode,*Description,*Quantity,*UnitAmount,Discount,*AccountCode,*TaxType,TaxAmount,TrackingName1,TrackingOption1,TrackingName2,TrackingOption2,Currency,BrandingTheme',
    ],
    [
      'qbo-invoices-csv',
      'InvoiceNo,Customer,InvoiceDate,DueDate,Terms,Location,Memo,Item(Product/Service),ItemDescription,ItemQuantity,ItemRate,ItemAmount,Taxable,TaxRate,ItemTaxAmount,Service Date,Currency',
    ],
    [
      'qbo-credit-memos-csv',
      'CreditMemoNo,Customer,CreditMemoDate,Location,Memo,Item(Product/Service),ItemDescription,ItemQuantity,ItemRate,ItemAmount,Taxable,TaxRate,ItemTaxAmount,Service Date,Currency',
    ],
  ] as const)('%s: the header, and as many cells on every row', (layout, header) => {
    const [first, ...rest] = lines(layout);
    expect(first).toBe(header);
    const f = file(layout);
    for (const row of f.rows) expect(row).toHaveLength(header.split(',').length);
    expect(rest.at(-1)).toBe('');
  });

  it('xero-invoices-csv: the worked invoice, one row per line, its tax spread so the lines sum to 24.26', () => {
    expect(lines('xero-invoices-csv').slice(1, -1)).toEqual([
      '"Acme, Inc.",ap@acme.example,1 Main St,Suite 5,Springfield IL 62701,"USA, Planet Earth",,,,,INV-2026-000042,PO-77,01/03/2026,31/03/2026,363.29,,Microsoft 365 Business Premium,12,22,,4100,Tax on Sales,21.78,,,,,USD,',
      '"Acme, Inc.",ap@acme.example,1 Main St,Suite 5,Springfield IL 62701,"USA, Planet Earth",,,,,INV-2026-000042,PO-77,01/03/2026,31/03/2026,363.29,,Helpdesk hours,3,10.01,,Managed Services,Tax on Sales,2.48,,,,,USD,',
      '"Acme, Inc.",ap@acme.example,1 Main St,Suite 5,Springfield IL 62701,"USA, Planet Earth",,,,,INV-2026-000042,PO-77,01/03/2026,31/03/2026,363.29,,Cabling,1,50,,4000,Tax Exempt,0.00,,,,,USD,',
      '"Acme, Inc.",ap@acme.example,1 Main St,Suite 5,Springfield IL 62701,"USA, Planet Earth",,,,,INV-2026-000042,PO-77,01/03/2026,31/03/2026,363.29,,Late fee on INV-2026-000007,1,15,,4900,Tax Exempt,0.00,,,,,USD,',
      '"Acme, Inc.",ap@acme.example,1 Main St,Suite 5,Springfield IL 62701,"USA, Planet Earth",,,,,INV-2026-000042,PO-77,01/03/2026,31/03/2026,363.29,,Credit from CN-2026-000001,1,-20,,2310,Tax Exempt,0.00,,,,,USD,',
    ]);
    const rows = file('xero-invoices-csv').rows;
    // What Xero will hold: the lines' amounts and tax add up to TrueUp's total.
    const amounts = sum(rows.map((r) => d(r[17]!).times(d(r[18]!))));
    const tax = sum(rows.map((r) => d(r[22]!)));
    expect(decimalText(tax)).toBe('24.26');
    expect(decimalText(amounts.plus(tax))).toBe(decimalText(WORKED.total));
  });

  it('qbo-invoices-csv: the worked invoice with an item per income account, Y/N taxable and the tax per line', () => {
    expect(lines('qbo-invoices-csv').slice(1, -1)).toEqual([
      'INV-2026-000042,"Acme, Inc. (acme)",03/01/2026,03/31/2026,,,Invoice INV-2026-000042 (2026-03),4100 Licensing,Microsoft 365 Business Premium,12,22,264.00,Y,8.25%,21.78,03/01/2026,USD',
      'INV-2026-000042,"Acme, Inc. (acme)",03/01/2026,03/31/2026,,,Invoice INV-2026-000042 (2026-03),Managed Services,Helpdesk hours,3,10.01,30.03,Y,8.25%,2.48,02/01/2026,USD',
      'INV-2026-000042,"Acme, Inc. (acme)",03/01/2026,03/31/2026,,,Invoice INV-2026-000042 (2026-03),4000 Sales,Cabling,1,50,50.00,N,8.25%,0.00,,USD',
      'INV-2026-000042,"Acme, Inc. (acme)",03/01/2026,03/31/2026,,,Invoice INV-2026-000042 (2026-03),4900 Late Fee Income,Late fee on INV-2026-000007,1,15,15.00,N,8.25%,0.00,,USD',
      'INV-2026-000042,"Acme, Inc. (acme)",03/01/2026,03/31/2026,,,Invoice INV-2026-000042 (2026-03),2310 Client Credit,Credit from CN-2026-000001,1,-20,-20.00,N,8.25%,0.00,,USD',
    ]);
  });

  it('xero-credit-notes-csv: a credit note as a negative document (how Xero imports credit notes), its lines keeping their accounts', () => {
    expect(lines('xero-credit-notes-csv').slice(1, -1)).toEqual([
      '"Acme, Inc.",ap@acme.example,1 Main St,Suite 5,Springfield IL 62701,"USA, Planet Earth",,,,,CN-2026-000003,INV-2026-000042,25/03/2026,25/03/2026,-62.63,,Microsoft 365 Business Premium,-2,22,,4100,Tax on Sales,-3.63,,,,,USD,',
      '"Acme, Inc.",ap@acme.example,1 Main St,Suite 5,Springfield IL 62701,"USA, Planet Earth",,,,,CN-2026-000003,INV-2026-000042,25/03/2026,25/03/2026,-62.63,,Late fee on INV-2026-000007,-1,15,,4900,Tax Exempt,0.00,,,,,USD,',
    ]);
  });

  it('qbo-credit-memos-csv: a credit memo with positive amounts, the invoice and the reason in its memo', () => {
    expect(lines('qbo-credit-memos-csv').slice(1, -1)).toEqual([
      'CN-2026-000003,"Acme, Inc. (acme)",03/25/2026,,Credit note CN-2026-000003 of INV-2026-000042: Outage,4100 Licensing,Microsoft 365 Business Premium,2,22,44.00,Y,8.25%,3.63,,USD',
      'CN-2026-000003,"Acme, Inc. (acme)",03/25/2026,,Credit note CN-2026-000003 of INV-2026-000042: Outage,4900 Late Fee Income,Late fee on INV-2026-000007,1,15,15.00,N,8.25%,0.00,,USD',
    ]);
  });

  it('keeps each currency to its minor digits in a month of USD, JPY and KWD invoices', () => {
    const jpy = invoice('INV-2026-000050', [line('recurring', '3', '1200', { sku: 'M365' })], '360', {
      currency: 'JPY',
      clientId: 'tokyo',
      issueDate: '2026-03-02',
    });
    const kwd = invoice('INV-2026-000051', [line('recurring', '7', '1.125', { sku: 'HELP' })], '0.394', {
      currency: 'KWD',
      clientId: 'kuwait',
      issueDate: '2026-03-02',
    });
    const f = file('xero-invoices-csv', {
      invoices: [
        { invoice: kwd, payments: [] },
        { invoice: WORKED, payments: [] },
        { invoice: jpy, payments: [] },
      ],
    });
    expect(f.documents.map((doc) => `${doc.number} ${doc.currency}`)).toEqual([
      'INV-2026-000042 USD',
      'INV-2026-000050 JPY',
      'INV-2026-000051 KWD',
    ]);
    const jpyRow = f.rows.find((r) => r[27] === 'JPY')!;
    const kwdRow = f.rows.find((r) => r[27] === 'KWD')!;
    expect([jpyRow[0], jpyRow[14], jpyRow[17], jpyRow[18], jpyRow[22]]).toEqual(['tokyo', '3960', '3', '1200', '360']);
    expect([kwdRow[14], kwdRow[17], kwdRow[18], kwdRow[22]]).toEqual(['8.269', '7', '1.125', '0.394']);
  });

  it('writes only the documents dated in the period, by date then number', () => {
    const april = invoice('INV-2026-000060', [line('recurring', '1', '10.00')], '0.83', { issueDate: '2026-04-01' });
    const early = invoice('INV-2026-000061', [line('recurring', '1', '10.00')], '0.83', { issueDate: '2026-03-01' });
    const f = file('qbo-invoices-csv', {
      invoices: [april, WORKED, early].map((invoice) => ({ invoice, payments: [] })),
      creditNotes: [{ ...NOTE, issueDate: '2026-02-28' }],
    });
    expect(f.documents.map((doc) => doc.number)).toEqual(['INV-2026-000042', 'INV-2026-000061']);
    expect(file('qbo-credit-memos-csv', { creditNotes: [{ ...NOTE, issueDate: '2026-02-28' }] }).rows).toEqual([]);
  });

  it('makes text cells formula-safe and quotes them, leaving plain numbers as numbers', () => {
    const hostile: Client = {
      ...ACME,
      name: '=HYPERLINK("http://evil.example","x")',
      poNumber: '+1 555',
      postalAddress: '@SUM(A1)',
    };
    const bad = invoice(
      'INV-2026-000070',
      [line('charge', '1', '-5.00', { description: '-2+3', taxable: false })],
      '0',
    );
    const [, row] = lines('xero-invoices-csv', {
      clients: [hostile],
      invoices: [{ invoice: bad, payments: [] }],
      creditNotes: [],
    });
    expect(row).toBe(
      `"'=HYPERLINK(""http://evil.example"",""x"")",ap@acme.example,'@SUM(A1),,,,,,,,INV-2026-000070,'+1 555,01/03/2026,31/03/2026,-5.00,,'-2+3,1,-5,,4000,Tax Exempt,0.00,,,,,USD,`,
    );
  });

  it('names a client no longer in clients.csv by its id', () => {
    const f = file('qbo-invoices-csv', { clients: [] });
    expect(f.rows[0]?.slice(0, 2)).toEqual(['INV-2026-000042', 'acme']);
    expect(f.rows[0]?.[13]).toBe('');
  });

  it('refuses, for QuickBooks, a number longer than its 21 characters', () => {
    const long = { ...WORKED, number: 'ACMEMANAGEDIT-2026-000042' };
    expect(() => file('qbo-invoices-csv', { invoices: [{ invoice: long, payments: [] }] })).toThrow(ImportRefused);
    expect(() => file('qbo-invoices-csv', { invoices: [{ invoice: long, payments: [] }] })).toThrow(
      'QuickBooks Online numbers hold at most 21 characters; too long: ACMEMANAGEDIT-2026-000042',
    );
    expect(file('xero-invoices-csv', { invoices: [{ invoice: long, payments: [] }] }).rows).toHaveLength(5);
  });

  it('writes the date format asked for', () => {
    expect(formatImportDate('2026-03-25', 'dd/mm/yyyy')).toBe('25/03/2026');
    expect(formatImportDate('2026-03-25', 'mm/dd/yyyy')).toBe('03/25/2026');
    expect(formatImportDate('2026-03-25', 'yyyy-mm-dd')).toBe('2026-03-25');
    const f = buildImportFile('xero-invoices-csv', input(), {
      dateFormat: 'yyyy-mm-dd',
      taxType: '10% (VAT on Income)',
      exemptTaxType: 'No VAT',
    });
    expect(f.rows[0]?.slice(12, 14)).toEqual(['2026-03-01', '2026-03-31']);
    expect(f.rows.map((r) => r[21])).toEqual([
      '10% (VAT on Income)',
      '10% (VAT on Income)',
      'No VAT',
      'No VAT',
      'No VAT',
    ]);
  });
});

describe('the pieces', () => {
  it('takes the code of an account: its first word when it has a digit, else the whole name', () => {
    expect(accountCodeOf('4100 Licensing')).toBe('4100');
    expect(accountCodeOf('200')).toBe('200');
    expect(accountCodeOf('Sales')).toBe('Sales');
    expect(accountCodeOf('Managed Services')).toBe('Managed Services');
    expect(accountCodeOf('A-12 Hosting')).toBe('A-12');
  });

  it('writes quantity 1 at the amount when quantity × unit price is not the amount exactly', () => {
    const base = { account: 'x', taxable: true, tax: d('0') };
    expect(
      shownLine({ ...base, description: 'Storage', quantity: d('3.333'), unitPrice: d('0.10'), amount: d('0.33') }),
    ).toEqual({ description: 'Storage (3.333 × 0.1)', quantity: d('1'), unitPrice: d('0.33') });
    expect(
      shownLine({ ...base, description: 'GB', quantity: d('1.23456'), unitPrice: d('2'), amount: d('2.46912') }),
    ).toEqual({ description: 'GB (1.23456 × 2)', quantity: d('1'), unitPrice: d('2.46912') });
    expect(
      shownLine({ ...base, description: 'Seats', quantity: d('4'), unitPrice: d('12.5'), amount: d('50.00') }),
    ).toEqual({ description: 'Seats', quantity: d('4'), unitPrice: d('12.5') });
  });

  it('spreads any tax over the taxable lines so the shares sum to it exactly (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ minor: fc.integer({ min: -50_000, max: 500_000 }), taxable: fc.boolean() }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.integer({ min: 1, max: 90_000 }),
        fc.constantFrom('USD', 'JPY', 'KWD'),
        (specs, taxMinor, currency) => {
          const items = specs.map((s) => ({ amount: fromMinorUnits(s.minor, currency), taxable: s.taxable }));
          if (!items.some((l) => l.taxable)) items[0] = { ...items[0]!, taxable: true };
          const tax = fromMinorUnits(taxMinor, currency);
          const shares = spreadTax(items, tax, currency, 'INV-1');
          expect(decimalText(sum(shares))).toBe(decimalText(tax));
          items.forEach((l, i) => {
            if (!l.taxable) expect(shares[i]!.isZero()).toBe(true);
            expect(shares[i]!.decimalPlaces()).toBeLessThanOrEqual(currency === 'KWD' ? 3 : currency === 'JPY' ? 0 : 2);
          });
        },
      ),
      { numRuns: 300 },
    );
    expect(() => spreadTax([{ amount: d('5'), taxable: false }], d('1'), 'USD', 'INV-9')).toThrow(
      'INV-9 has tax 1 but no taxable line to carry it',
    );
  });
});

/**
 * `trueup simulate` over a copy of the conformance data folder (EUR, GBP, KWD, JPY clients; tax
 * at 0, 5.5 and 20%) with credit notes (a void, a credit, client credit) and sales tax accounts
 * per rate; then every month is exported in each import layout through the use case. Checked per
 * document: the rows' amounts plus their tax come to the ledger's total to the cent, the tax
 * column to the ledger's tax, one row per line; the manifest counts, totals and hashes the file,
 * and a second export gives the same bytes. The journal posts each client's tax to its rate's
 * account.
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBooksCsv, type BooksCsvExport } from '../../functions/app/export-books-csv.js';
import { exportJournal, type JournalExport } from '../../functions/app/export-journal.js';
import type { LedgerInvoice } from '../../functions/app/ports.js';
import type { CreditNote } from '../../functions/domain/billing-types.js';
import { IMPORT_LAYOUTS, type ImportLayout } from '../../functions/domain/books-csv.js';
import { firstDay, lastDay, type Period } from '../../functions/domain/dates.js';
import { Dec, ZERO, formatMoney, sum } from '../../functions/domain/money.js';
import { simulate } from '../../functions/local-runner/simulate.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/conformance');
const PERIODS: Period[] = ['2025-01', '2025-02', '2025-03', '2025-04'];
const ADJUSTMENTS = `adjustment_id,date,invoice_number,action,amount,reason,as_client_credit
A3,2025-02-15,OSP-2025-000002,credit,300.00,Goodwill for the outage,true
A1,2025-02-10,OSP-2025-000011,void,,Billed in error,
A2,2025-02-12,OSP-2025-000009,credit,100.00,Service credit,
`;
const BY_RATE = { '20': '2201 VAT 20%', '5.50': '2202 VAT 5.5%' };

let root: string;
const files = new Map<string, BooksCsvExport>();
const again = new Map<string, BooksCsvExport>();
const journals = new Map<Period, JournalExport>();
let invoices: LedgerInvoice[];
let creditNotes: CreditNote[];
let rates: Map<string, Dec>;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trueup-books-csv-'));
  const data = join(root, 'data');
  await cp(join(FIXTURE, 'data'), data, { recursive: true });
  await writeFile(join(data, 'adjustments.csv'), ADJUSTMENTS);
  const products = await readFile(join(data, 'products.csv'), 'utf8');
  await writeFile(
    join(data, 'products.csv'),
    products.replace('list_price', 'list_price,income_account').replace(/^(SEAT-A,.*)$/m, '$1,4100 Licensing'),
  );
  const settings = JSON.parse(await readFile(join(data, 'trueup.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(
    join(data, 'trueup.json'),
    JSON.stringify({ ...settings, accounting: { salesTaxPayableByRate: BY_RATE } }),
  );
  const result = await simulate({
    data,
    from: '2025-01-28',
    to: '2025-04-15',
    out: join(root, 'out'),
    keepRunning: true,
  });
  try {
    const deps = result.runtime!.deps;
    for (const period of PERIODS) {
      journals.set(period, await exportJournal(deps, { period }));
      for (const format of IMPORT_LAYOUTS) {
        files.set(`${period} ${format}`, await exportBooksCsv(deps, { period, format }));
        again.set(`${period} ${format}`, await exportBooksCsv(deps, { period, format }));
      }
    }
    invoices = await deps.ledger.listInvoices();
    creditNotes = await deps.ledger.listCreditNotes();
    const reference = await deps.ledger.loadReferenceData();
    rates = new Map(reference!.clients.map((c) => [c.clientId, c.taxRate]));
  } finally {
    await result.runtime?.stop();
  }
}, 300_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** RFC 4180: quoted cells with doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (quoted && c === '"') quoted = false;
    else if (quoted || (c !== '"' && c !== ',' && c !== '\r')) cell += c;
    else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else {
      // CR of a CRLF: the row ends (the LF is skipped).
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    }
  }
  return rows;
}

/** Where each layout keeps a row's document number, line amount (or quantity × unit price) and tax. */
const COLUMNS: Record<ImportLayout, { number: string; amount: (r: Record<string, string>) => Dec; tax: string }> = {
  'xero-invoices-csv': {
    number: '*InvoiceNumber',
    amount: (r) => new Dec(r['*Quantity']!).times(new Dec(r['*UnitAmount']!)),
    tax: 'TaxAmount',
  },
  'xero-credit-notes-csv': {
    number: '*InvoiceNumber',
    amount: (r) => new Dec(r['*Quantity']!).times(new Dec(r['*UnitAmount']!)),
    tax: 'TaxAmount',
  },
  'qbo-invoices-csv': { number: 'InvoiceNo', amount: (r) => new Dec(r.ItemAmount!), tax: 'ItemTaxAmount' },
  'qbo-credit-memos-csv': { number: 'CreditMemoNo', amount: (r) => new Dec(r.ItemAmount!), tax: 'ItemTaxAmount' },
};

interface LedgerDocument {
  number: string;
  currency: string;
  lines: number;
  tax: Dec;
  total: Dec;
}

function ledgerDocuments(period: Period, format: ImportLayout): LedgerDocument[] {
  const inPeriod = (date: string): boolean => date >= firstDay(period) && date <= lastDay(period);
  if (format.includes('credit'))
    return creditNotes
      .filter((n) => inPeriod(n.issueDate))
      .map((n) => ({ number: n.number, currency: n.currency, lines: n.lines.length, tax: n.tax, total: n.total }));
  return invoices
    .filter((a) => inPeriod(a.invoice.issueDate))
    .map(({ invoice: i }) => ({
      number: i.number,
      currency: i.currency,
      lines: i.lines.length,
      tax: i.tax,
      total: i.total,
    }));
}

describe('the import files over a simulated data folder', () => {
  it('carries every document to the cent: its rows amount plus tax is its total, their tax its tax', () => {
    let documents = 0;
    let rows = 0;
    for (const period of PERIODS)
      for (const format of IMPORT_LAYOUTS) {
        const { csv, manifest } = files.get(`${period} ${format}`)!;
        const [header, ...body] = parseCsv(csv);
        const records = body.map((cells) => Object.fromEntries(header!.map((name, i) => [name, cells[i] ?? ''])));
        const columns = COLUMNS[format];
        const sign = format === 'xero-credit-notes-csv' ? -1 : 1; // Xero takes a credit note as a negative document
        const expected = ledgerDocuments(period, format);
        expect(manifest.documents, `${period} ${format}`).toBe(expected.length);
        expect(manifest.rows).toBe(body.length);
        for (const doc of expected) {
          const mine = records.filter((r) => r[columns.number] === doc.number);
          const label = `${period} ${format} ${doc.number}`;
          expect(mine, label).toHaveLength(doc.lines);
          const tax = sum(mine.map((r) => new Dec(r[columns.tax]!))).times(sign);
          const amounts = sum(mine.map(columns.amount)).times(sign);
          expect(formatMoney(tax, doc.currency), label).toBe(formatMoney(doc.tax, doc.currency));
          expect(formatMoney(amounts.plus(tax), doc.currency), label).toBe(formatMoney(doc.total, doc.currency));
          if (format.startsWith('xero'))
            for (const r of mine) expect(new Dec(r.Total!).times(sign).equals(doc.total), label).toBe(true);
        }
        documents += expected.length;
        rows += body.length;
      }
    // Enough to mean something: the four months hold invoices and the February credit notes.
    expect(documents).toBeGreaterThan(40);
    expect(rows).toBeGreaterThan(documents);
    expect(files.get('2025-02 xero-credit-notes-csv')!.manifest.documents).toBe(3);
  });

  it('totals each currency in the manifest, hashes the file, and writes the same bytes again', () => {
    for (const period of PERIODS)
      for (const format of IMPORT_LAYOUTS) {
        const key = `${period} ${format}`;
        const { csv, manifest, manifestJson } = files.get(key)!;
        expect(manifest.sha256).toBe(createHash('sha256').update(csv).digest('hex'));
        expect(again.get(key)!.csv).toBe(csv);
        expect(again.get(key)!.manifestJson).toBe(manifestJson);
        const expected = new Map<string, Dec>();
        for (const d of ledgerDocuments(period, format))
          expected.set(d.currency, (expected.get(d.currency) ?? ZERO).plus(d.total));
        expect(Object.keys(manifest.totals)).toEqual([...expected.keys()].sort());
        for (const [currency, total] of expected)
          expect(manifest.totals[currency]?.total, `${key} ${currency}`).toBe(formatMoney(total, currency));
      }
    const currencies = new Set(
      PERIODS.flatMap((p) => Object.keys(files.get(`${p} qbo-invoices-csv`)!.manifest.totals)),
    );
    expect([...currencies].sort()).toEqual(['EUR', 'GBP', 'JPY', 'KWD']);
  });

  it("posts each client's tax in the journal to its rate's account: 20% and 5.5% apart, the rest to 2200", () => {
    const entries = PERIODS.flatMap((p) => journals.get(p)!.entries);
    const taxAccounts = new Set(['2200 Sales Tax Payable', ...Object.values(BY_RATE)]);
    const taxed = entries.filter((e) => taxAccounts.has(e.account));
    const expected = (clientId: string): string => {
      const rate = rates.get(clientId)!.toFixed();
      return rate === '20' ? '2201 VAT 20%' : rate === '5.5' ? '2202 VAT 5.5%' : '2200 Sales Tax Payable';
    };
    for (const e of taxed) expect(e.account, e.entryId).toBe(expected(e.clientId));
    const used = new Set(taxed.map((e) => e.account));
    expect(used).toContain('2201 VAT 20%');
    expect(used).toContain('2202 VAT 5.5%');
  });
});

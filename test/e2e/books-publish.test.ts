/**
 * `trueup simulate` with `accounting.publish` (docs/accounting.md, "Locally"): the conformance
 * data folder with a void, a credit note and client credit, published every simulated day to
 * the local Xero stand-in, and once more to the QuickBooks Online one. Checked against the
 * run's own outputs: every invoice and credit note dated from `publish.from` is in the books
 * once, with TrueUp's total; every payment of those invoices is, and nothing else; the books
 * state is written to `books/<system>.json` (the same twice). Without `accounting.publish` no
 * books folder is written: test/e2e/conformance.test.ts checks the folder's entries.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalQuickBooksState } from '../../functions/adapters/local/books/quickbooks-server.js';
import type { LocalXeroState } from '../../functions/adapters/local/books/xero-server.js';
import { Dec } from '../../functions/domain/money.js';
import { simulate } from '../../functions/local-runner/simulate.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/conformance');
const FROM = '2025-01-28';
const TO = '2025-04-10';
const SHORT_TO = '2025-03-02';
const PUBLISH_FROM = '2025-02-01';
const SLOW = 180_000;
const ADJUSTMENTS = `adjustment_id,date,invoice_number,action,amount,reason,as_client_credit
A1,2025-02-10,OSP-2025-000011,void,,Billed in error,
A2,2025-02-12,OSP-2025-000009,credit,100.00,Service credit,
A3,2025-02-15,OSP-2025-000002,credit,300.00,Goodwill for the outage,true
`;

interface InvoiceJson {
  readonly number: string;
  readonly issueDate: string;
  readonly total: string;
  readonly currency: string;
}

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trueup-books-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function dataFolder(name: string, publish: Record<string, string>): Promise<string> {
  const data = join(root, name);
  await cp(join(FIXTURE, 'data'), data, { recursive: true });
  await writeFile(join(data, 'adjustments.csv'), ADJUSTMENTS);
  const settings = JSON.parse(await readFile(join(data, 'trueup.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(data, 'trueup.json'), JSON.stringify({ ...settings, accounting: { publish } }));
  return data;
}

async function run(name: string, publish: Record<string, string>, to = TO): Promise<string> {
  const out = join(root, `${name}-out`);
  await simulate({ data: await dataFolder(name, publish), from: FROM, to, out });
  return out;
}

async function invoicesOf(out: string): Promise<InvoiceJson[]> {
  const files = (await readdir(join(out, 'invoices'))).filter((f) => f.endsWith('.json'));
  return Promise.all(
    files.map(async (f) => JSON.parse(await readFile(join(out, 'invoices', f), 'utf8')) as InvoiceJson),
  );
}

describe('simulate publishing to the books', () => {
  it(
    'publishes every document from publish.from to Xero once, with TrueUp totals',
    async () => {
      const out = await run('xero', { system: 'xero', from: PUBLISH_FROM });
      const books = JSON.parse(await readFile(join(out, 'books', 'xero.json'), 'utf8')) as LocalXeroState;
      const expected = (await invoicesOf(out)).filter((i) => i.issueDate >= PUBLISH_FROM);
      expect(expected.length).toBeGreaterThan(5);

      const numbers = books.invoices.map((i) => i.number);
      expect(new Set(numbers).size).toBe(numbers.length); // never twice
      expect([...numbers].sort()).toEqual(expected.map((i) => i.number).sort());
      for (const invoice of expected) {
        const inBooks = books.invoices.find((i) => i.number === invoice.number)!;
        expect(new Dec(inBooks.total).eq(new Dec(invoice.total)), invoice.number).toBe(true);
        expect(inBooks.currency).toBe(invoice.currency);
      }
      // The void and the two credits of adjustments.csv, all dated after publish.from.
      expect(books.creditNotes.map((c) => c.number).sort()).toEqual([
        'CN-2025-000001',
        'CN-2025-000002',
        'CN-2025-000003',
      ]);
      // Payments only of invoices in the books, each once.
      const ids = new Set(books.invoices.map((i) => i.id));
      expect(books.payments.length).toBeGreaterThan(0);
      expect(books.payments.every((p) => ids.has(p.invoiceId))).toBe(true);
      expect(new Set(books.payments.map((p) => p.reference)).size).toBe(books.payments.length);
    },
    SLOW,
  );

  it(
    'publishes the same documents to QuickBooks Online, and the state is the same run to run',
    async () => {
      // A shorter month, twice: the adjustments and the March invoices.
      const first = await run('qbo', { system: 'quickbooks', from: PUBLISH_FROM }, SHORT_TO);
      const second = await run('qbo-again', { system: 'quickbooks', from: PUBLISH_FROM }, SHORT_TO);
      const text = await readFile(join(first, 'books', 'quickbooks.json'), 'utf8');
      expect(await readFile(join(second, 'books', 'quickbooks.json'), 'utf8')).toBe(text);
      const books = JSON.parse(text) as LocalQuickBooksState;
      const expected = (await invoicesOf(first)).filter((i) => i.issueDate >= PUBLISH_FROM);
      expect(books.invoices.map((i) => i.DocNumber as string).sort()).toEqual(expected.map((i) => i.number).sort());
      expect(books.creditMemos).toHaveLength(3);
      // One customer per client with a document in the books.
      const names = books.customers.map((c) => c.DisplayName as string);
      expect(new Set(names).size).toBe(names.length);
    },
    SLOW,
  );
});

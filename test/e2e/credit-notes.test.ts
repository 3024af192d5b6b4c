/**
 * `trueup simulate` over a copy of the conformance data folder with an adjustments.csv: a void,
 * a partial credit and a credit above the balance kept as client credit. Checked to the cent:
 * the credit notes' JSON, both series gapless, the voided invoice's status and balance, the
 * client credit line on the client's next invoice, the notification kinds; a row that cannot
 * be applied stops the run naming file, line and column, with no output written.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreditNoteJson } from '../../functions/app/credit-note-json.js';
import type { InvoiceJson } from '../../functions/app/invoice-json.js';
import { simulate } from '../../functions/local-runner/simulate.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/conformance');
const TO = '2025-06-10';
const ADJUSTMENTS = `adjustment_id,date,invoice_number,action,amount,reason,as_client_credit
A3,2025-02-15,OSP-2025-000002,credit,300.00,Goodwill for the outage,true
A1,2025-02-10,OSP-2025-000011,void,,Billed in error,
A2,2025-02-12,OSP-2025-000009,credit,100.00,Service credit,
`;

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;

let root: string;
let out: string;

async function copyData(name: string, adjustments: string): Promise<string> {
  const data = join(root, name);
  await cp(join(FIXTURE, 'data'), data, { recursive: true });
  await writeFile(join(data, 'adjustments.csv'), adjustments);
  return data;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trueup-credit-notes-'));
  out = join(root, 'out');
  await simulate({ data: await copyData('data', ADJUSTMENTS), from: '2025-01-28', to: TO, out });
}, 300_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('simulate with adjustments.csv', () => {
  it('issues the credit notes in (date, adjustment_id) order, gapless, to the minor unit', async () => {
    const files = (await readdir(join(out, 'credit-notes'))).sort();
    expect(files).toEqual(
      ['CN-2025-000001', 'CN-2025-000002', 'CN-2025-000003'].flatMap((n) => [`${n}.html`, `${n}.json`, `${n}.pdf`]),
    );
    const notes = await Promise.all(
      ['CN-2025-000001', 'CN-2025-000002', 'CN-2025-000003'].map((n) =>
        readJson<CreditNoteJson>(join(out, 'credit-notes', `${n}.json`)),
      ),
    );
    expect(
      notes.map((n) => [
        n.number,
        n.invoiceNumber,
        n.currency,
        n.issueDate,
        n.void,
        n.subtotal,
        n.tax,
        n.total,
        n.applied,
        n.clientCredit,
      ]),
    ).toEqual([
      // K-011, KWD: both lines voided, no tax
      [
        'CN-2025-000001',
        'OSP-2025-000011',
        'KWD',
        '2025-02-10',
        true,
        '254.000',
        '0.000',
        '254.000',
        '254.000',
        '0.000',
      ],
      // K-009, GBP at 20%: 100.00 + 20.00
      ['CN-2025-000002', 'OSP-2025-000009', 'GBP', '2025-02-12', false, '100.00', '20.00', '120.00', '120.00', '0.00'],
      // K-002, GBP untaxed: 234.47 applied (the whole balance), 65.53 kept
      ['CN-2025-000003', 'OSP-2025-000002', 'GBP', '2025-02-15', false, '300.00', '0.00', '300.00', '234.47', '65.53'],
    ]);
    expect(notes[0]?.lines.map((l) => [l.invoiceLine, l.amount])).toEqual([
      [1, '224.000'],
      [2, '30.000'],
    ]);
    expect(notes[1]?.lines.map((l) => [l.description, l.amount, l.taxable])).toEqual([
      ['Credit: Service credit', '100.00', true],
    ]);
    expect(notes.every((n) => n.by === 'trueup')).toBe(true);
  });

  it('voids, credits and pays off the invoices, and keeps the invoice series gapless', async () => {
    const invoices = (await readdir(join(out, 'invoices'))).filter((f) => f.endsWith('.json')).sort();
    const expected = (await readdir(join(FIXTURE, 'expected', 'invoices'))).filter((f) => f.endsWith('.json')).sort();
    expect(invoices).toEqual(expected);
    const invoice = (n: string) => readJson<InvoiceJson>(join(out, 'invoices', `OSP-2025-${n}.json`));
    expect(await invoice('000011')).toMatchObject({ status: 'void', balance: '0.000', total: '254.000' });
    expect(await invoice('000009')).toMatchObject({ total: '8256.18', balance: '8136.18' });
    const page = await readFile(join(out, 'invoices', 'OSP-2025-000011.html'), 'utf8');
    expect(page).toContain(`As of ${TO}: void</div>`);
    expect(await invoice('000002')).toMatchObject({ status: 'paid', balance: '0.00' });
  });

  it("spends the client credit on the client's next invoice, as a line naming the credit note", async () => {
    const next = await readJson<InvoiceJson>(join(out, 'invoices', 'OSP-2025-000013.json'));
    expect(next.clientId).toBe('K-002');
    expect(next.lines.at(-1)).toEqual({
      kind: 'client_credit',
      sku: null,
      period: null,
      description: 'Credit from CN-2025-000003',
      quantity: '1',
      unitPrice: '-65.53',
      amount: '-65.53',
    });
    // 1348.03 without the credit
    expect([next.subtotal, next.tax, next.total]).toEqual(['1282.50', '0.00', '1282.50']);
  });

  it('emails each credit note once, and never duns the voided invoice', async () => {
    const notifications = await readJson<{ kind: string; subject: string; invoices: { number: string }[] }[]>(
      join(out, 'notifications.json'),
    );
    expect(notifications.filter((n) => n.kind === 'credit_note').map((n) => n.subject)).toEqual([
      'Credit note CN-2025-000001 for invoice OSP-2025-000011 from Osprey Networks — KWD 254.000',
      'Credit note CN-2025-000002 for invoice OSP-2025-000009 from Osprey Networks — GBP 120.00',
      'Credit note CN-2025-000003 for invoice OSP-2025-000002 from Osprey Networks — GBP 300.00',
    ]);
    const dunned = notifications.filter((n) => n.kind === 'dunning').flatMap((n) => n.invoices.map((i) => i.number));
    expect(dunned).not.toContain('OSP-2025-000011');
    expect(dunned).not.toContain('OSP-2025-000002');
    const aging = await readFile(join(out, 'reports', `aging-${TO}.csv`), 'utf8').catch(() => '');
    expect(aging).not.toContain('OSP-2025-000011');
  });

  it('stops on a credit above the balance without as_client_credit, naming file, line and column', async () => {
    const data = await copyData(
      'over',
      'adjustment_id,date,invoice_number,action,amount,reason\nB1,2025-02-10,OSP-2025-000002,credit,500,Too much\n',
    );
    const failed = join(root, 'failed');
    await expect(simulate({ data, from: '2025-01-28', to: '2025-02-12', out: failed })).rejects.toThrow(
      /adjustments\.csv line 2, column amount: The credit note comes to 500\.00 GBP, above the open balance of OSP-2025-000002 \(234\.47 GBP\)/,
    );
    expect(existsSync(failed)).toBe(false);
  }, 300_000);

  it('refuses a void without a date or a credit without an amount before anything runs', async () => {
    const data = await copyData(
      'bad',
      'adjustment_id,date,invoice_number,action,amount,reason\nB1,2025-02-30,OSP-2025-000002,void,,x\nB2,2025-02-10,OSP-2025-000002,credit,,y\nB2,2025-02-10,X-1,refund,1,z\n',
    );
    const error = await simulate({ data, from: '2025-01-28', to: '2025-02-12', out: join(root, 'bad-out') }).then(
      () => new Error('no error'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toContain(
      'adjustments.csv line 2, column date: is not a real calendar date (got "2025-02-30")',
    );
    expect(error.message).toContain('adjustments.csv line 3, column amount: is required for a credit');
    expect(error.message).toContain(
      'adjustments.csv line 4, column action: must be one of void, credit (got "refund")',
    );
    expect(error.message).toMatch(/adjustments\.csv line 4, column adjustment_id: .*B2/);
  });
});

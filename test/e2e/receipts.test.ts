/**
 * `trueup simulate` over a copy of the conformance data folder with `receipts.enabled` set: one
 * `receipt` email per applied payment, exactly once, and every other notification as without
 * the setting (the conformance test checks the folder as it is). The same run's emails show the
 * dunning changes: the invoice PDFs attached, each late fee's basis stated, the final notice's
 * total now owed; and OUT's copy of each invoice page says its status as of --to.
 */
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvoiceJson } from '../../functions/app/invoice-json.js';
import { simulate } from '../../functions/local-runner/simulate.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/conformance');
const TO = '2025-06-10';

type Notification = {
  date: string;
  kind: string;
  to: string[];
  subject: string;
  invoices: { number: string; step?: string }[];
};
const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;

/** Keeps only the fields the expected object has (as the conformance test compares). */
function pick(actual: unknown, expected: unknown): unknown {
  if (Array.isArray(expected) && Array.isArray(actual))
    return actual.map((a, i) => pick(a, expected[i] ?? expected[0]));
  if (expected && typeof expected === 'object' && actual && typeof actual === 'object') {
    return Object.fromEntries(
      Object.keys(expected).map((k) => [
        k,
        pick((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k]),
      ]),
    );
  }
  return actual;
}

let root: string;
let out: string;
let notifications: Notification[];
let emailFiles: string[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trueup-receipts-'));
  const data = join(root, 'data');
  out = join(root, 'out');
  await cp(join(FIXTURE, 'data'), data, { recursive: true });
  const settings = await readJson<Record<string, unknown>>(join(data, 'trueup.json'));
  await writeFile(join(data, 'trueup.json'), JSON.stringify({ ...settings, receipts: { enabled: true } }, null, 2));
  await simulate({ data, from: '2025-01-28', to: TO, out });
  notifications = await readJson<Notification[]>(join(out, 'notifications.json'));
  emailFiles = (await readdir(join(out, 'emails'))).sort();
}, 300_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const parsed = async (file: string) => simpleParser(await readFile(join(out, 'emails', file)));

describe('receipts on (conformance data folder with receipts.enabled)', () => {
  it('sends one receipt per applied payment, exactly once, to the client', async () => {
    const payments = (await readFile(join(FIXTURE, 'data/payments/payments.csv'), 'utf8'))
      .trim()
      .split(/\r?\n/)
      .slice(1)
      .map((row) => row.split(','))
      .map(([id = '', number = '', amount = '', currency = '', receivedOn = '']) => ({
        id,
        number,
        amount: Number(amount),
        currency,
        receivedOn,
      }));
    // Applied: received by --to, on or after its invoice's issue date, in its currency, a payment (not a refund).
    const applied: string[] = [];
    for (const p of payments) {
      const invoice = await readJson<InvoiceJson>(join(out, 'invoices', `${p.number}.json`)).catch(() => undefined);
      if (
        invoice &&
        p.receivedOn <= TO &&
        invoice.issueDate <= p.receivedOn &&
        invoice.currency === p.currency &&
        p.amount > 0
      )
        applied.push(p.id);
    }
    expect(applied.length).toBeGreaterThan(20);

    const receipts = notifications.filter((n) => n.kind === 'receipt');
    const files = emailFiles.filter((f) => f.includes('-receipt-'));
    expect(files).toHaveLength(receipts.length);
    const keys: string[] = [];
    for (const file of files) {
      const mail = await parsed(file);
      keys.push(String(mail.headers.get('x-trueup-key')));
      expect(mail.text, file).toContain('Thank you: we received your payment of');
    }
    expect(keys.sort()).toEqual(applied.map((id) => `receipt#${id}`).sort());
    const invoiceOf = new Map(payments.map((p) => [p.id, p.number]));
    expect(receipts.map((r) => r.invoices.map((i) => i.number).join()).sort()).toEqual(
      applied.map((id) => invoiceOf.get(id)).sort(),
    );
  });

  it("changes nothing else: the other notifications are the conformance example's", async () => {
    const expected = await readJson<Notification[]>(join(FIXTURE, 'expected/notifications.json'));
    const others = notifications.filter((n) => n.kind !== 'receipt');
    expect(pick(others, expected)).toEqual(expected);
  });

  it('dunning emails attach the PDF of every invoice they list', async () => {
    const dunning = emailFiles.filter((f) => f.includes('-dunning-'));
    expect(dunning.length).toBeGreaterThan(10);
    for (const file of dunning) {
      const mail = await parsed(file);
      const listed = [...new Set((mail.text ?? '').match(/OSP-\d{4}-\d{6}/g) ?? [])].sort();
      const pdfs = mail.attachments.filter((a) => a.contentType === 'application/pdf');
      expect(pdfs.map((a) => a.filename).sort(), file).toEqual(listed.map((n) => `${n}.pdf`));
      for (const pdf of pdfs) expect(pdf.content.subarray(0, 5).toString('latin1'), file).toBe('%PDF-');
    }
  });

  it("states each late fee's basis, and the final notice totals the fees so far and what is owed", async () => {
    const texts = await Promise.all(
      emailFiles.filter((f) => f.includes('-dunning-')).map(async (f) => (await parsed(f)).text ?? ''),
    );
    const charged = texts.filter((t) => t.includes('has been charged on invoice'));
    expect(charged.length).toBeGreaterThan(0);
    // The conformance folder's step "late" charges 2%, minimum 10.00.
    for (const t of charged)
      expect(t).toMatch(
        /A late fee of [A-Z]{3} [\d.,]+ \(2% of [A-Z]{3} [\d.,]+, minimum [A-Z]{3} 10(\.0+)?\) has been charged/,
      );
    const finals = texts.filter((t) => t.includes('This is our final notice'));
    expect(finals.length).toBeGreaterThan(0);
    for (const t of finals) {
      expect(t).toMatch(/Late fees charged so far: [A-Z]{3} [\d.,]+/);
      expect(t).toMatch(
        /Total now owed: [A-Z]{3} [\d.,]+ \(balance [A-Z]{3} [\d.,]+ plus late fees [A-Z]{3} [\d.,]+\)\./,
      );
    }
  });

  it("OUT's invoice pages say their status and balance as of --to", async () => {
    for (const number of ['OSP-2025-000001', 'OSP-2025-000009']) {
      const json = await readJson<InvoiceJson>(join(out, 'invoices', `${number}.json`));
      const html = await readFile(join(out, 'invoices', `${number}.html`), 'utf8');
      const banner = /<div class="asof"[^>]*>([^<]*)<\/div>/.exec(html)?.[1];
      expect(banner, number).toBe(
        json.status === 'paid'
          ? `As of ${TO}: paid`
          : `As of ${TO}: overdue${json.status === 'partially_paid' ? ' (partially paid)' : ''} — balance ${json.currency} ${json.balance}`,
      );
    }
  });
});

/**
 * `trueup simulate` over a copy of the conformance data folder with a chart of accounts, credit
 * notes (a void, a credit, client credit), a refund, an overpayment and a payment for an unknown
 * invoice, and online auto-pay (card and bank debit) on the local Stripe stand-in, whose provider
 * fees are posted; then each month is exported through the use case. Checked: every month balances per
 * currency and per document, the manifest counts and hashes the CSV, a second export gives the
 * same bytes, accounts receivable ties to the invoices' open balances at each month end, and
 * unapplied cash to the `unapplied_payment` discrepancies.
 */
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJournal, type JournalExport } from '../../functions/app/export-journal.js';
import type { LedgerInvoice, StoredDiscrepancy } from '../../functions/app/ports.js';
import type { Payment } from '../../functions/domain/billing-types.js';
import { lastDay, type Period } from '../../functions/domain/dates.js';
import { invoiceBalance } from '../../functions/domain/invoice-balance.js';
import { accountBalance } from '../../functions/domain/journal.js';
import { ZERO, decimalText, sum, type Dec } from '../../functions/domain/money.js';
import { simulate } from '../../functions/local-runner/simulate.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/conformance');
const TO = '2025-04-15';
const PERIODS: Period[] = ['2025-01', '2025-02', '2025-03', '2025-04'];
const AR = '1100 Debtors';
const ADJUSTMENTS = `adjustment_id,date,invoice_number,action,amount,reason,as_client_credit
A3,2025-02-15,OSP-2025-000002,credit,300.00,Goodwill for the outage,true
A1,2025-02-10,OSP-2025-000011,void,,Billed in error,
A2,2025-02-12,OSP-2025-000009,credit,100.00,Service credit,
`;
const MORE_PAYMENTS = `R-001,OSP-2025-000001,-100.00,EUR,2025-02-20
X-OVER,OSP-2025-000003,5.00,GBP,2025-02-12
X-UNKNOWN,OSP-2099-000001,12.00,GBP,2025-02-14
`;

let root: string;
const exports = new Map<Period, JournalExport>();
const again = new Map<Period, JournalExport>();
let invoices: LedgerInvoice[];
let online: Payment[];
let discrepancies: StoredDiscrepancy[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trueup-journal-'));
  const data = join(root, 'data');
  await cp(join(FIXTURE, 'data'), data, { recursive: true });
  await writeFile(join(data, 'adjustments.csv'), ADJUSTMENTS);
  const payments = join(data, 'payments', 'payments.csv');
  const paid = await readFile(payments, 'utf8');
  await writeFile(payments, `${paid.endsWith('\n') ? paid : `${paid}\n`}${MORE_PAYMENTS}`);
  const products = await readFile(join(data, 'products.csv'), 'utf8');
  await writeFile(
    join(data, 'products.csv'),
    products
      .replace('list_price', 'list_price,income_account')
      .replace(/^(SEAT-A,.*)$/m, '$1,4100 Licensing')
      .replace(/^(HRS,.*)$/m, '$1,4200 Professional Services'),
  );
  const settings = JSON.parse(await readFile(join(data, 'trueup.json'), 'utf8')) as Record<string, unknown>;
  // Online payments on the local Stripe stand-in: auto-pay by card (K-001, K-004) and by bank
  // debit (K-002, whose fee comes a day after the money), so the journal posts provider fees.
  const stripe = { provider: 'stripe', methods: ['card', 'us_bank_account'], autoPayOn: 'due_date' };
  await writeFile(
    join(data, 'trueup.json'),
    JSON.stringify({ ...settings, payments: stripe, accounting: { accountsReceivable: AR } }),
  );
  const clients = (await readFile(join(data, 'clients.csv'), 'utf8')).split('\n');
  const autoPay: Record<string, string> = { 'K-001': 'cus_visa_k1', 'K-002': 'cus_ach_k2', 'K-004': 'cus_visa_k4' };
  await writeFile(
    join(data, 'clients.csv'),
    clients
      .map((row, i) => {
        if (i === 0) return `${row},payment_customer_id,auto_pay`;
        if (row === '') return row;
        const customer = autoPay[row.split(',')[0]!];
        return customer ? `${row},${customer},true` : `${row},,`;
      })
      .join('\n'),
  );
  const result = await simulate({ data, from: '2025-01-28', to: TO, out: join(root, 'out'), keepRunning: true });
  try {
    const deps = result.runtime!.deps;
    for (const period of PERIODS) {
      exports.set(period, await exportJournal(deps, { period }));
      again.set(period, await exportJournal(deps, { period }));
    }
    invoices = await deps.ledger.listInvoices();
    online = (await deps.ledger.recordedPayments()).filter((p) => p.providerReference?.startsWith('pi_'));
    discrepancies = await deps.ledger.listDiscrepancies();
  } finally {
    await result.runtime?.stop();
  }
}, 300_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const get = (period: Period): JournalExport => exports.get(period)!;
const all = () => PERIODS.flatMap((p) => get(p).entries);

describe('the journal export over a simulated data folder', () => {
  it('balances every month per currency, and every document', () => {
    for (const period of PERIODS) {
      const { entries, manifest } = get(period);
      for (const [currency, t] of Object.entries(manifest.totals))
        expect(t.debit, `${period} ${currency}`).toBe(t.credit);
      const byDocument = new Map<string, Dec>();
      for (const e of entries) {
        const key = `${e.documentType}/${e.documentNumber}`;
        byDocument.set(key, (byDocument.get(key) ?? ZERO).plus(e.debit).minus(e.credit));
      }
      for (const [key, balance] of byDocument) expect(decimalText(balance), key).toBe('0');
    }
    expect(all().length).toBeGreaterThan(50);
  });

  it('posts the chart of accounts: product income accounts, the AR override, the defaults', () => {
    const accounts = new Set(all().map((e) => e.account));
    for (const account of [AR, '4100 Licensing', '4200 Professional Services', '4000 Sales', '2310 Client Credit'])
      expect(accounts, account).toContain(account);
    expect(accounts).toContain('2300 Unapplied Cash');
    expect(accounts).not.toContain('1200 Accounts Receivable');
  });

  it('counts the documents and hashes the CSV in the manifest', () => {
    const feb = get('2025-02');
    expect(feb.manifest.documents.credit_note).toBe(3);
    expect(feb.manifest.documents.refund).toBe(1);
    expect(feb.manifest.entries).toBe(feb.entries.length);
    expect(feb.manifest.sha256).toBe(createHash('sha256').update(feb.csv).digest('hex'));
    expect(feb.csv.split('\r\n')[0]).toBe(
      'entry_id,date,document_type,document_number,client_id,currency,account,debit,credit,memo',
    );
    // Minor digits of each currency: KWD three, JPY none.
    expect(feb.csv).toMatch(/,KWD,[^,]*,\d+\.\d{3},\d+\.\d{3},/);
    expect(feb.csv).toMatch(/,JPY,[^,]*,\d+,\d+,/);
    expect(feb.csv).toContain('refund/R-001/1,2025-02-20,refund,R-001,K-001,EUR,1250 Undeposited Funds,0.00,100.00,');
  });

  it('gives the same bytes when a month is exported again', () => {
    for (const period of PERIODS) {
      expect(again.get(period)!.csv).toBe(get(period).csv);
      expect(again.get(period)!.manifestJson).toBe(get(period).manifestJson);
    }
  });

  it('ties accounts receivable to the open balances of the invoices issued by each month end', () => {
    const currencies = [...new Set(invoices.map((i) => i.invoice.currency))];
    PERIODS.forEach((period, index) => {
      const end = lastDay(period);
      const upTo = PERIODS.slice(0, index + 1).flatMap((p) => get(p).entries);
      for (const currency of currencies) {
        const open = sum(
          invoices
            .filter((i) => i.invoice.currency === currency && i.invoice.issueDate <= end)
            .map((i) => invoiceBalance(i, end).balance),
        );
        expect(decimalText(accountBalance(upTo, AR, currency)), `${period} ${currency}`).toBe(decimalText(open));
      }
    });
  });

  it("posts each online payment's provider fee (Stripe's standard pricing on the stand-in) in its document", () => {
    expect(online.length).toBeGreaterThanOrEqual(2);
    expect(online.some((p) => p.method === 'us_bank_account')).toBe(true);
    for (const payment of online) {
      expect(payment.feeCurrency, payment.paymentId).toBe(payment.currency);
      const entries = all().filter((e) => e.documentNumber === payment.paymentId);
      const fee = entries.filter((e) => e.account === '6100 Payment Processing Fees');
      expect(
        fee.map((e) => [e.date, decimalText(e.debit)]),
        payment.paymentId,
      ).toEqual([[payment.receivedOn, decimalText(payment.fee!)]]);
      expect(decimalText(sum(entries.map((e) => e.debit.minus(e.credit))))).toBe('0');
    }
  });

  it('ties unapplied cash to the unapplied_payment discrepancies', () => {
    const unapplied = discrepancies.filter((d) => d.type === 'unapplied_payment');
    expect(unapplied.length).toBeGreaterThanOrEqual(2);
    for (const currency of new Set(unapplied.map((d) => d.currency))) {
      const atStake = sum(unapplied.filter((d) => d.currency === currency).map((d) => d.amountAtStake ?? ZERO));
      expect(decimalText(accountBalance(all(), '2300 Unapplied Cash', currency).negated()), currency).toBe(
        decimalText(atStake),
      );
    }
  });
});

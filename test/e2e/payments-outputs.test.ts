/**
 * What simulate and validate say about payments: every data folder warning is printed (a
 * payment_id repeated with the same content, a payment received after --to or years ahead),
 * and payments left unapplied are itemised in OUT/reports/unapplied-payments-<to>.csv.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';
import { simulate, type SimulateResult } from '../../functions/local-runner/simulate.js';

const CONFORMANCE = join(import.meta.dirname, '../fixtures/conformance/data');
const FROM = '2025-01-28';
const TO = '2025-02-08';

const EXTRA = [
  'payment_id,invoice_number,amount,currency,received_on',
  'PM-OSP-2025-000001,OSP-2025-000001,855.04,EUR,2025-02-05', // the same row as payments.csv line 2
  'PM-NOPE,NOPE-1,100.00,EUR,2025-02-04',
  'PM-OVER,OSP-2025-000002,250.00,GBP,2025-02-03',
  'PM-LATE,OSP-2025-000002,5.00,GBP,2025-03-01',
  'PM-FUTURE,OSP-2025-000002,10.00,GBP,2045-02-03',
  '',
].join('\n');

let root: string;
let data: string;
let out: string;
let result: SimulateResult;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'trueup-payments-'));
  data = join(root, 'data');
  out = join(root, 'out');
  await cp(CONFORMANCE, data, { recursive: true });
  await writeFile(join(data, 'payments', 'extra.csv'), EXTRA);
  result = await simulate({ data, from: FROM, to: TO, out });
}, 240_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('simulate: payments', () => {
  it('reports every warning: the repeated payment, and payments after --to or years ahead', () => {
    expect(result.warnings).toEqual([
      'payments/payments.csv line 2, column payment_id: duplicate payment_id "PM-OSP-2025-000001": already on payments/extra.csv line 2; this row is ignored',
      `payments/extra.csv line 5, column received_on: payment "PM-LATE" and 36 more payment(s) are received after the last day ${TO}: not applied in this run`,
      `payments/extra.csv line 6, column received_on: payment "PM-FUTURE" is received on 2045-02-03, more than a year after the last day ${TO}: check the year`,
    ]);
  });

  it('itemises unapplied payments beside the aging report', async () => {
    const csv = await readFile(join(out, 'reports', `unapplied-payments-${TO}.csv`), 'utf8');
    expect(csv).toBe(
      [
        'payment_id,invoice_number,received_on,currency,amount,reason',
        'PM-OVER,OSP-2025-000002,2025-02-03,GBP,15.53,overpayment',
        'PM-NOPE,NOPE-1,2025-02-04,EUR,100.00,unknown_invoice',
        '',
      ].join('\r\n'),
    );
    const index = await readFile(join(out, 'index.html'), 'utf8');
    expect(index).toContain(`href="reports/unapplied-payments-${TO}.csv"`);
  });
});

describe('trueup validate', () => {
  it('prints the warnings of a valid folder', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.join(' '));
    });
    try {
      expect(await main(['node', 'trueup', 'validate', '--data', data])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const text = lines.join('\n');
    expect(text).toContain(
      `1 warning(s) in ${data}:\npayments/payments.csv line 2, column payment_id: duplicate payment_id "PM-OSP-2025-000001": already on payments/extra.csv line 2`,
    );
    expect(text).toContain(`${data} is valid`);
  });
});

/**
 * `trueup charges` and `trueup discrepancies bill|credit` against a local stand-in, as a user
 * types them: values checked before anything is stored, one-line errors without a stack trace,
 * a re-run adds nothing, a charge to invoice now is issued before the command returns.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';
import { removeLocalFile, writeLocalFile } from '../../bin/connection.js';
import { readDataFolder } from '../../functions/adapters/local/read-data-folder.js';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local-runner/local-runtime.js';
import { d } from '../support/builders.js';

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startLocalRuntime();
  const folder = await readDataFolder(resolve(import.meta.dirname, '../fixtures/conformance/data'));
  if (!folder.ok) throw new Error('the conformance data folder does not read');
  await runtime.deps.ledger.saveReferenceData(folder.value.reference);
  await writeLocalFile(runtime);
}, 60_000);
afterAll(async () => {
  await removeLocalFile();
  await runtime?.stop();
});

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const spies = [
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
      out += `${a.join(' ')}\n`;
    }),
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
      err += `${a.join(' ')}\n`;
    }),
  ];
  try {
    return { code: await main(['node', 'trueup', ...args]), out, err };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

const ADD = ['charges', 'add', '--description', 'Firewall install', '--quantity', '2', '--date', '2025-02-15'];

describe('trueup charges', () => {
  it('checks the values as charges.csv does, in one line each', async () => {
    const cases: [string[], string][] = [
      [['--client', 'K-404', '--unit-price', '1'], '--client: no client "K-404" (see clients.csv).'],
      [['--client', 'K-006', '--unit-price', '1.999'], '--unit-price: has 3 decimal places but EUR money has 2'],
      [['--client', 'K-006', '--unit-price', '1', '--sku', 'NOPE'], '--sku: "NOPE" is not in products.csv.'],
      [['--client', 'K-006', '--unit-price', '1', '--taxable', 'no'], '--taxable: must be true or false'],
    ];
    for (const [args, message] of cases) {
      const result = await run(...ADD, ...args);
      expect(result.code, message).toBe(1);
      expect(result.err.trim().split('\n'), message).toHaveLength(1);
      expect(result.err, message).toContain(message);
    }
    expect(await runtime.deps.ledger.listCharges()).toEqual([]);
  });

  it('adds a charge once however often the command is run, and lists it', async () => {
    const args = [...ADD, '--client', 'K-006', '--unit-price', '149.99', '--sku', 'HRS', '--by', 'alice'];
    const first = await run(...args);
    const again = await run(...args);
    expect(first.out).toMatch(
      /^Added ch-[0-9a-f]{12} for K-006 on 2025-02-15: Firewall install, 2 × 149.99 = 299.98 EUR\.$/m,
    );
    expect(again.out).toContain('Already there, nothing added');
    const list = await run('charges', 'list', '--client', 'K-006');
    expect(list.out).toMatch(
      /ch-[0-9a-f]{12}\s+K-006\s+2025-02-15\s+Firewall install\s+2\s+149.99\s+yes\s+next invoice\s+alice/,
    );
  });

  it('invoices a charge now, once', async () => {
    const args = ['charges', 'add', '--client', 'K-003', '--description', 'Deposit', '--quantity', '1'];
    const first = await run(...args, '--unit-price', '1000', '--date', '2025-02-20', '--invoice-now', '--id', 'DEP-1');
    const again = await run(...args, '--unit-price', '1000', '--date', '2025-02-20', '--invoice-now', '--id', 'DEP-1');
    expect(first.out).toContain('Invoiced on OSP-2025-000001.');
    expect(again.out).toContain('It is invoiced on OSP-2025-000001 already.');
    const invoice = await runtime.deps.ledger.getInvoice('OSP-2025-000001');
    expect([invoice?.invoice.issueDate, invoice?.invoice.total.toFixed(2)]).toEqual(['2025-02-20', '1000.00']);
    expect(await runtime.deps.ledger.getInvoice('OSP-2025-000002')).toBeUndefined();
  });
});

describe('trueup discrepancies bill|credit', () => {
  it('makes a charge of a flagged discrepancy once, and refuses one with no client', async () => {
    await runtime.deps.ledger.storeDiscrepancy(
      {
        id: 'D-1',
        period: '2025-01',
        type: 'under_billed',
        clientId: 'K-005',
        sku: 'DEV',
        amountAtStake: d('691.44'),
        currency: 'GBP',
      },
      '2025-02-01',
    );
    await runtime.deps.ledger.storeDiscrepancy(
      {
        id: 'D-2',
        period: '2025-01',
        type: 'unknown_account',
        vendor: 'pax8',
        accountId: 'PX6',
        amountAtStake: d('64.80'),
        currency: 'GBP',
      },
      '2025-02-01',
    );
    const bill = await run('discrepancies', 'bill', 'D-1', '--date', '2025-03-05', '--by', 'carol');
    expect(bill.out).toContain(
      'Added bill-D-1 for K-005 on 2025-03-05: Adjustment: Dev, 2025-01 (discrepancy D-1), 1 × 691.44 = 691.44 GBP. The invoice that bills it closes D-1 billed.',
    );
    expect((await run('discrepancies', 'bill', 'D-1', '--date', '2025-03-06')).out).toContain('Already there');
    const charge = (await runtime.deps.ledger.listCharges()).find((c) => c.chargeId === 'bill-D-1');
    expect([charge?.by, charge?.discrepancyId, charge?.date]).toEqual(['carol', 'D-1', '2025-03-05']);

    const refused = await run('discrepancies', 'credit', 'D-2');
    expect(refused.code).toBe(1);
    expect(refused.err.trim()).toBe(
      'Discrepancy D-2 (unknown_account) names no client: there is no one to credit. Resolve or dismiss it instead.',
    );
    const badAmount = await run('discrepancies', 'credit', 'D-1', '--amount', '-3');
    expect([badAmount.code, badAmount.err.trim()]).toEqual([1, '--amount: must be a decimal number > 0 (got "-3")']);
  });
});

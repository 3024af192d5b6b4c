/**
 * The CLI's acting commands record who did what in the audit log, through the same audited
 * actions the console calls, and `trueup audit list` prints it newest first.
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

describe('trueup audit list', () => {
  it('lists what discrepancy commands did, by whom, once per action, newest first', async () => {
    const base = { period: '2025-01', type: 'under_billed' as const, clientId: 'K-006', currency: 'EUR' };
    await runtime.deps.ledger.storeDiscrepancy(
      { ...base, id: 'AUD-1', sku: 'HRS', amountAtStake: d('10') },
      '2025-02-01',
    );
    await runtime.deps.ledger.storeDiscrepancy(
      { ...base, id: 'AUD-2', sku: 'HRS', amountAtStake: d('20') },
      '2025-02-01',
    );

    expect((await run('audit', 'list')).out).toBe('No audit entries.\n');
    expect((await run('discrepancies', 'ack', 'AUD-1', '--by', 'alice', '--note', 'looking')).code).toBe(0);
    expect((await run('discrepancies', 'ack', 'AUD-1', '--by', 'alice', '--note', 'looking')).code).toBe(0);
    expect((await run('discrepancies', 'dismiss', 'AUD-2', '--by', 'bob')).code).toBe(0);
    const refused = await run('discrepancies', 'resolve', 'NOPE');
    expect([refused.code, refused.err.trim()]).toEqual([
      1,
      'No discrepancy with id NOPE (see trueup discrepancies list).',
    ]);

    const listed = await run('audit', 'list');
    const lines = listed.out.trim().split('\n');
    expect(lines[0]).toMatch(/^at\s+who\s+via\s+action\s+subject\s+detail$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(1, 5))).toEqual([
      ['bob', 'cli', 'discrepancy.dismiss', 'AUD-2'],
      ['alice', 'cli', 'discrepancy.ack', 'AUD-1'],
    ]);
    expect(lines[2]).toMatch(/looking$/);
    expect((await run('audit', 'list', '--limit', '1')).out.trim().split('\n')).toHaveLength(2);
    expect((await run('audit', 'list', '--from', '2999-01-01')).out).toBe('No audit entries.\n');
    expect((await run('audit', 'list', '--limit', '0')).code).toBe(1);
  });
});

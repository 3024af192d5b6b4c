/**
 * `trueup statements send` against a local stand-in, as a user types it: the statements are
 * emailed before the command returns, a re-run sends nothing new, a client with nothing gets
 * none, an unknown client or a bad date is one line without a stack trace.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';
import { removeLocalFile, writeLocalFile } from '../../bin/connection.js';
import { readDataFolder } from '../../functions/adapters/local/read-data-folder.js';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local-runner/local-runtime.js';
import { issuedInvoice } from '../support/invoices.js';

let runtime: LocalRuntime;
beforeAll(async () => {
  runtime = await startLocalRuntime();
  const folder = await readDataFolder(resolve(import.meta.dirname, '../fixtures/conformance/data'));
  if (!folder.ok) throw new Error('the conformance data folder does not read');
  await runtime.deps.ledger.saveReferenceData(folder.value.reference);
  await runtime.deps.ledger.issueNumberedInvoice(
    issuedInvoice({ number: 'OSP-2025-000001', clientId: 'K-001', currency: 'EUR', dueDate: '2025-02-08' }),
    [],
  );
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
    // commander writes its own errors (a bad option value) to stderr.
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      err += String(chunk);
      return true;
    }),
  ];
  try {
    return { code: await main(['node', 'trueup', ...args]), out, err };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describe('trueup statements send', () => {
  it('refuses an unknown client and a bad date in one line, sending nothing', async () => {
    const unknown = await run('statements', 'send', '--as-of', '2025-02-20', '--client', 'K-404');
    const badDate = await run('statements', 'send', '--as-of', '2025-02-30');
    expect([unknown.code, badDate.code]).toEqual([1, 1]);
    expect(unknown.err.trim()).toBe('--client: No client "K-404" (see clients.csv).');
    expect(badDate.err).toContain('"2025-02-30" is not a real calendar date');
    expect(await runtime.deps.ledger.sentLog()).toEqual([]);
  });

  it('emails a client’s statement once, however often it is run', async () => {
    const first = await run('statements', 'send', '--as-of', '2025-02-20', '--client', 'K-001');
    const again = await run('statements', 'send', '--as-of', '2025-02-20', '--client', 'K-001');
    expect(first.out.trim()).toBe('Sent the statement as of 2025-02-20 to K-001.');
    expect(again.out.trim()).toBe('Already sent as of 2025-02-20, nothing new: K-001.');
    const sent = await runtime.deps.ledger.sentLog();
    expect(sent.map((e) => [e.key, e.kind, e.status, e.to])).toEqual([
      ['statement#K-001#2025-02-20', 'statement', 'sent', ['ap1@k1.example']],
    ]);
  });

  it('skips every client with nothing open and no payment that month', async () => {
    const all = await run('statements', 'send', '--as-of', '2025-02-20');
    expect(all.code).toBe(0);
    expect(all.out).toContain('Already sent as of 2025-02-20, nothing new: K-001.');
    expect(all.out).toMatch(/No statement \(nothing open, no payment that month\): K-002, K-003, /);
    expect(await runtime.deps.ledger.sentLog()).toHaveLength(1);
  });
});

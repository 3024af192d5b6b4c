/**
 * `trueup invoices drafts|approve|hold` and `run billing --replan` (docs/review.md), run in
 * this process against a local stand-in, as a user types them: what they print, and the
 * one-line errors a user can cause.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalRuntime } from '../../functions/local-runner/local-runtime.js';
import type { Settings } from '../../functions/domain/billing-types.js';
import { agreement, client, reference, settings } from '../support/builders.js';

let dir: string;
let home: string;
let runtime: LocalRuntime | undefined;
let main: (argv: readonly string[]) => Promise<number>;

const hold: Settings = settings({ invoice: { ...settings().invoice, review: 'hold' } });
const clients = reference({
  settings: hold,
  clients: [client({ clientId: 'C002', name: 'Client Two', paymentTermsDays: 14 }), client()],
  agreements: [agreement(), agreement({ agreementId: 'A2', clientId: 'C002' })],
});

beforeAll(async () => {
  // The CLI finds the local stand-in through .trueup/local.json of the current folder.
  home = process.cwd();
  dir = await mkdtemp(join(tmpdir(), 'trueup-review-cli-'));
  process.chdir(dir);
  const { startLocalRuntime } = await import('../../functions/local-runner/local-runtime.js');
  const { writeLocalFile } = await import('../../bin/connection.js');
  ({ main } = await import('../../bin/cli.js'));
  runtime = await startLocalRuntime();
  await writeLocalFile(runtime);
  await runtime.deps.ledger.saveReferenceData(clients);
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
  process.chdir(home);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs `trueup …args` and returns its exit code and what it printed. */
async function trueup(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err.push(String(chunk));
    return true;
  });
  try {
    const code = await main(['node', 'trueup', ...args]);
    return { code, out: out.join('\n'), err: err.join('') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
  }
}

describe('trueup invoices drafts, approve, hold', () => {
  it('holds, approves and lists, saying what was approved, the numbers taken and what is held', async () => {
    expect((await trueup('run', 'billing', '--date', '2025-02-01')).out).toBe(
      'billing 2025-02-01: 2025-01: 2 draft(s) held for review, 0 approved by the auto-approve rules; see trueup invoices drafts --period 2025-01',
    );
    const held = await trueup(
      'invoices',
      'hold',
      '--client',
      'C002',
      '--reason',
      'PO missing',
      '--date',
      '2025-02-02',
      '--by',
      'ann',
    );
    expect(held.out).toBe(
      'The draft of C002 for 2025-01 is held by ann: PO missing. Approve it with trueup invoices approve --period 2025-01 --client C002.',
    );

    const all = await trueup(
      'invoices',
      'approve',
      '--period',
      '2025-01',
      '--all',
      '--date',
      '2025-02-03',
      '--by',
      'bob',
    );
    expect(all.out.split('\n')).toEqual([
      'Approved 1 draft(s) of 2025-01 on 2025-02-03: number INV-2025-000001.',
      '  INV-2025-000001  C001',
      'Held, left alone: C002 (PO missing); approve one with --client ID.',
      '1 invoice(s) issued and emailed: INV-2025-000001.',
    ]);
    const named = await trueup(
      'invoices',
      'approve',
      '--period',
      '2025-01',
      '--client',
      'C002',
      '--date',
      '2025-02-04',
    );
    expect(named.out.split('\n')[0]).toBe('Approved 1 draft(s) of 2025-01 on 2025-02-04: number INV-2025-000002.');

    const list = (await trueup('invoices', 'drafts', '--period', '2025-01')).out.split('\n');
    expect(list[0]).toMatch(/^period +client +name +total +created +number +state$/);
    expect(list[1]).toMatch(
      /^2025-01 +C001 +Client One +125\.00 USD +2025-02-01 +INV-2025-000001 +approved 2025-02-03 by bob$/,
    );
    expect(list[2]).toMatch(/C002 .* INV-2025-000002 +approved 2025-02-04 by \S+$/);
    expect((await trueup('invoices', 'list')).out).toContain('INV-2025-000002  C002    2025-01  2025-02-18');
  }, 120_000);

  it('refuses, in one line and without a stack trace, what cannot be done', async () => {
    const cases: [string[], string][] = [
      [
        ['invoices', 'approve', '--period', '2025-01', '--client', 'C404'],
        'No draft of C404 for 2025-01: see trueup invoices drafts --period 2025-01',
      ],
      [
        ['invoices', 'approve', '--period', '2025-01'],
        'Name the drafts to approve: --client ID (repeatable) or --all, not both.',
      ],
      [
        ['invoices', 'hold', '--client', 'C001', '--reason', 'late', '--period', '2025-01'],
        'The draft of C001 for 2025-01 is already approved as INV-2025-000001: it cannot be held.',
      ],
      [['run', 'dunning', '--date', '2025-02-05', '--replan'], '--replan is an option of `trueup run billing` only.'],
    ];
    for (const [args, message] of cases) {
      const run = await trueup(...args);
      expect([run.code, run.err.trim()], args.join(' ')).toEqual([1, message]);
    }
    expect((await trueup('invoices', 'drafts', '--period', '2025-1')).err).toContain(
      'is not a billing period written YYYY-MM',
    );
  }, 120_000);

  it('re-plans in hold mode only', async () => {
    expect((await trueup('run', 'billing', '--date', '2025-02-01', '--replan')).out).toContain(
      '0 draft(s) held for review',
    );
    await runtime!.deps.ledger.saveReferenceData({ ...clients, settings: settings() });
    const auto = await trueup('run', 'billing', '--date', '2025-03-01', '--replan');
    expect([auto.code, auto.err.trim()]).toEqual([
      1,
      'Re-planning rebuilds drafts held for review; trueup.json does not set "invoice": { "review": "hold" }, so 2025-02\'s invoices were issued, not held.',
    ]);
  }, 120_000);
});

/**
 * `trueup accounting status|publish|export`: options checked before anything connects, `export`
 * the same command as `trueup export accounting`, and what status and publish print.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';
import { describePublish, describeStatus } from '../../bin/books-commands.js';
import { d } from '../support/builders.js';

afterEach(() => {
  vi.restoreAllMocks();
});

async function errorOf(...args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    err += `${a.join(' ')}\n`;
  });
  const code = await main(['node', 'trueup', ...args]);
  return { code, err };
}

describe('trueup accounting', () => {
  it('export is the journal export, with its checks', async () => {
    const { code, err } = await errorOf('accounting', 'export', '--period', '2026-03', '--format', 'qbo');
    expect(code).toBe(1);
    expect(err).toContain('"qbo" is not a format; the ones there are: journal-csv, xero-invoices-csv');
  });

  it('publish refuses a date that is not a day', async () => {
    const { code, err } = await errorOf('accounting', 'publish', '--date', '2026-02-30');
    expect(code).toBe(1);
    expect(err).toContain('"2026-02-30" is not a real calendar date');
  });

  it('status prints the counts, the refused with their message, the waiting and the money to post by hand', () => {
    const record = { system: 'xero' as const, attempts: 2, firstTriedOn: '2026-03-01', lastTriedOn: '2026-03-02' };
    const text = describeStatus({
      enabled: true,
      system: 'xero',
      from: '2026-02-01',
      published: 12,
      warnings: [
        { ...record, kind: 'invoice', key: 'INV-2', status: 'published', warning: 'Xero total 1.01, TrueUp 1.00' },
      ],
      refused: [{ ...record, kind: 'invoice', key: 'INV-1', status: 'refused', message: 'Invalid account' }],
      waiting: [{ kind: 'payment', key: 'P-1', clientId: 'C1', reason: 'waits for invoice INV-1 (refused)' }],
      notPublished: [
        {
          kind: 'refund',
          key: 'R-1',
          clientId: 'C1',
          date: '2026-03-01',
          currency: 'USD',
          amount: d(5),
          reason: 'refund on INV-3 (post by hand)',
        },
      ],
    });
    expect(text.split('\n')).toEqual([
      'Xero, documents dated from 2026-02-01: 12 published (1 with another total), 1 refused, 1 waiting, 1 not published (post by hand).',
      '',
      'Refused (retried every run; fix, then trueup accounting publish):',
      '  invoice INV-1: Invalid account (2 run(s) since 2026-03-01)',
      '',
      'Published with another total (check them in the books):',
      '  invoice INV-2: Xero total 1.01, TrueUp 1.00',
      '',
      'Waiting:',
      '  payment P-1: waits for invoice INV-1 (refused)',
      '',
      'Not published:',
      '  refund R-1 2026-03-01 USD 5.00: refund on INV-3 (post by hand)',
    ]);
  });

  it('says when publishing is not set', () => {
    const off = { enabled: false, published: 0, warnings: 0, refused: 0, waiting: 0, emailed: false };
    expect(describePublish(off)).toMatch(/^accounting.publish is not set in trueup.json/);
    expect(
      describePublish({ ...off, enabled: true, system: 'quickbooks', published: 3, refused: 1, emailed: true }),
    ).toBe(
      'QuickBooks Online: 3 published (0 with another total), 1 refused, 0 waiting; the refusals were emailed to the report recipients. See trueup accounting status.',
    );
  });
});

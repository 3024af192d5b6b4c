/**
 * `trueup export accounting`: its options are checked before anything connects; the manifest goes
 * beside the CSV; the import-file formats write their CSV and manifest against a local stand-in,
 * and a document the layout cannot carry is one line, nothing written.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalRuntime } from '../../functions/local-runner/local-runtime.js';
import { client, reference } from '../support/builders.js';
import { issuedInvoice } from '../support/invoices.js';

let dir: string;
let home: string;
let runtime: LocalRuntime | undefined;
let main: (argv: readonly string[]) => Promise<number>;
let manifestPath: (csvPath: string) => string;
let defaultOutPath: (format: string, period: string) => string;

beforeAll(async () => {
  // The CLI finds the local stand-in through .trueup/local.json of the current folder.
  home = process.cwd();
  dir = await mkdtemp(join(tmpdir(), 'trueup-export-cli-'));
  process.chdir(dir);
  const { startLocalRuntime } = await import('../../functions/local-runner/local-runtime.js');
  const { writeLocalFile } = await import('../../bin/connection.js');
  ({ main } = await import('../../bin/cli.js'));
  ({ manifestPath, defaultOutPath } = await import('../../bin/export-commands.js'));
  runtime = await startLocalRuntime();
  await writeLocalFile(runtime);
  await runtime.deps.ledger.saveReferenceData(
    reference({ clients: [client({ clientId: 'C001', name: 'Client One, Ltd' })] }),
  );
  await runtime.deps.ledger.issueNumberedInvoice(
    issuedInvoice({
      number: 'INV-2026-000001',
      period: '2026-02',
      issueDate: '2026-03-02',
      dueDate: '2026-04-01',
      total: '120.00',
    }),
    [],
  );
  await runtime.deps.ledger.issueNumberedInvoice(
    issuedInvoice({ number: 'INV-2026-000002-LONGER-THAN-21', period: '2026-03', issueDate: '2026-04-02' }),
    [],
  );
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
  process.chdir(home);
  if (dir) await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function trueup(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
    out += `${a.join(' ')}\n`;
  });
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => {
    err += `${a.join(' ')}\n`;
  });
  const code = await main(['node', 'trueup', ...args]);
  return { code, out, err };
}

describe('trueup export accounting', () => {
  it('refuses a period that is not YYYY-MM', async () => {
    const { code, err } = await trueup('export', 'accounting', '--period', '2026-13', '--format', 'journal-csv');
    expect(code).toBe(1);
    expect(err).toContain('"2026-13" is not a period written YYYY-MM');
  });

  it('refuses a format it does not write, naming the ones it does', async () => {
    const { code, err } = await trueup('export', 'accounting', '--period', '2026-03', '--format', 'qbo');
    expect(code).toBe(1);
    expect(err).toContain(
      '"qbo" is not a format; the ones there are: journal-csv, xero-invoices-csv, xero-credit-notes-csv, qbo-invoices-csv, qbo-credit-memos-csv',
    );
  });

  it('refuses a date format or a tax rate name it cannot write', async () => {
    const badDate = await trueup(
      'export',
      'accounting',
      '--period',
      '2026-03',
      '--format',
      'xero-invoices-csv',
      '--date-format',
      'd.m.y',
    );
    expect(badDate.code).toBe(1);
    expect(badDate.err).toContain(
      '"d.m.y" is not a date format; the ones there are: dd/mm/yyyy, mm/dd/yyyy, yyyy-mm-dd',
    );
    const badTax = await trueup(
      'export',
      'accounting',
      '--period',
      '2026-03',
      '--format',
      'xero-invoices-csv',
      '--tax-type',
      ' ',
    );
    expect(badTax.code).toBe(1);
    expect(badTax.err).toContain('the tax rate name must not be empty');
  });

  it('requires the format', async () => {
    const { code, err } = await trueup('export', 'accounting', '--period', '2026-03');
    expect(code).toBe(1);
    expect(err).toContain("required option '--format <format>' not specified");
  });

  it('writes the manifest beside the CSV, and names the CSV after the format', () => {
    expect(manifestPath('books/journal-2026-03.csv')).toBe('books/journal-2026-03.manifest.json');
    expect(manifestPath('journal.CSV')).toBe('journal.manifest.json');
    expect(manifestPath('journal.txt')).toBe('journal.txt.manifest.json');
    expect(defaultOutPath('journal-csv', '2026-03')).toBe('journal-2026-03.csv');
    expect(defaultOutPath('qbo-credit-memos-csv', '2026-03')).toBe('qbo-credit-memos-2026-03.csv');
  });

  it('writes a Xero import file and its manifest for the month', async () => {
    const { code, out, err } = await trueup(
      'export',
      'accounting',
      '--period',
      '2026-03',
      '--format',
      'xero-invoices-csv',
      '--date-format',
      'mm/dd/yyyy',
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out.trim()).toBe(
      'Wrote 1 invoices (1 lines) for 2026-03 to xero-invoices-2026-03.csv: 120.00 USD (tax 0.00), and the manifest to xero-invoices-2026-03.manifest.json.',
    );
    const csv = await readFile(join(dir, 'xero-invoices-2026-03.csv'), 'utf8');
    const [header, row] = csv.split('\r\n');
    expect(header?.startsWith('*ContactName,EmailAddress,POAddressLine1')).toBe(true);
    expect(row).toContain('"Client One, Ltd",');
    expect(row).toContain(',INV-2026-000001,,03/02/2026,04/01/2026,120.00,,Seat,1,120,,4000,Tax Exempt,0.00,');
    const manifest = JSON.parse(await readFile(join(dir, 'xero-invoices-2026-03.manifest.json'), 'utf8')) as {
      format: string;
      documents: number;
      totals: Record<string, unknown>;
      options: unknown;
    };
    expect(manifest).toMatchObject({
      format: 'xero-invoices-csv',
      documents: 1,
      rows: 1,
      totals: { USD: { subtotal: '120.00', tax: '0.00', total: '120.00' } },
      options: { dateFormat: 'mm/dd/yyyy', taxType: 'Tax on Sales', exemptTaxType: 'Tax Exempt' },
    });
  });

  it('refuses, in one line and writing nothing, a QuickBooks file whose numbers are too long', async () => {
    const { code, err } = await trueup(
      'export',
      'accounting',
      '--period',
      '2026-04',
      '--format',
      'qbo-invoices-csv',
      '--out',
      'april.csv',
    );
    expect(code).toBe(1);
    expect(err.trim()).toBe(
      'QuickBooks Online numbers hold at most 21 characters; too long: INV-2026-000002-LONGER-THAN-21 (a shorter invoice.prefix in trueup.json makes shorter numbers); nothing was written.',
    );
    await expect(stat(join(dir, 'april.csv'))).rejects.toThrow();
  });
});

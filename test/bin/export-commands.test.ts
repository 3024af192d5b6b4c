/** `trueup export accounting`: its options are checked before anything connects; the manifest goes beside the CSV. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';
import { manifestPath } from '../../bin/export-commands.js';

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

describe('trueup export accounting', () => {
  it('refuses a period that is not YYYY-MM', async () => {
    const { code, err } = await errorOf('export', 'accounting', '--period', '2026-13', '--format', 'journal-csv');
    expect(code).toBe(1);
    expect(err).toContain('"2026-13" is not a period written YYYY-MM');
  });

  it('refuses a format it does not write, naming the one it does', async () => {
    const { code, err } = await errorOf('export', 'accounting', '--period', '2026-03', '--format', 'qbo');
    expect(code).toBe(1);
    expect(err).toContain('"qbo" is not a format; the one there is: journal-csv');
  });

  it('requires the format', async () => {
    const { code, err } = await errorOf('export', 'accounting', '--period', '2026-03');
    expect(code).toBe(1);
    expect(err).toContain("required option '--format <format>' not specified");
  });

  it('writes the manifest beside the CSV', () => {
    expect(manifestPath('books/journal-2026-03.csv')).toBe('books/journal-2026-03.manifest.json');
    expect(manifestPath('journal.CSV')).toBe('journal.manifest.json');
    expect(manifestPath('journal.txt')).toBe('journal.txt.manifest.json');
  });
});

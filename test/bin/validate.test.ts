/**
 * `trueup validate` reads the usage files too, as the ingest would (same reader, gzip
 * included, subfolders, duplicate files and rows), and prints per-file counts and the first
 * rejected rows with file, line, field and reason, writing nothing. A rejected row fails the
 * check only with --strict (simulate ingests the rest of the file).
 */
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../bin/cli.js';

const CONFORMANCE = join(import.meta.dirname, '../fixtures/conformance/data');
const HEADER = 'vendor,account_id,vendor_sku,quantity,usage_date,reference';

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'trueup-validate-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...line: unknown[]) => {
    out.push(line.join(' '));
  });
  const error = vi.spyOn(console, 'error').mockImplementation((...line: unknown[]) => {
    err.push(line.join(' '));
  });
  try {
    const code = await main(['node', 'trueup', ...args]);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('trueup validate: usage files', () => {
  let data: string;
  beforeAll(async () => {
    data = join(scratch, 'data');
    await cp(CONFORMANCE, data, { recursive: true });
    const cur2 = readFileSync(join(data, 'usage', 'cur2.csv'));
    await mkdir(join(data, 'usage', '2025-02'));
    await writeFile(join(data, 'usage', '2025-02', 'cur2.csv.gz'), gzipSync(cur2));
    await writeFile(
      join(data, 'usage', '2025-02', 'rmm.csv'),
      `${HEADER}\nrmm,r1,seat-a,2,2025-02-03,V-1\nrmm,r1,seat-a,x,2025-02-04,V-2\nrmm,r1,seat-a,1,2025-02-30,V-3\nrmm,r1,seat-a,2,2025-02-05,V-1\n`,
    );
    await writeFile(join(data, 'usage', 'copy-of-pax8.csv'), readFileSync(join(data, 'usage', 'pax8.csv')));
    await writeFile(join(data, 'usage', 'export.parquet'), Buffer.from('PAR1\u0015\u0004binary'));
  });

  it("prints each file's format and counts, and the first rejected rows, writing nothing", async () => {
    // Prepare
    const before = await readdir(data, { recursive: true });
    // Act
    const { code, out } = await run('validate', '--data', data);
    // Assess
    expect(code).toBe(0);
    const lines = out.split('\n').map((line) => line.replace(/ {2,}/g, '  ').trim());
    expect(lines.slice(1)).toEqual([
      'Usage files, read as the ingest would read them:',
      '2025-02/cur2.csv.gz  aws-cur: 4 read, 4 accepted, 0 rejected, 0 duplicate',
      '2025-02/rmm.csv  canonical: 4 read, 1 accepted, 2 rejected, 1 duplicate',
      'copy-of-pax8.csv  pax8: 34 read, 34 accepted, 0 rejected, 0 duplicate',
      // Not a duplicate file (the gzip copy's raw bytes differ); its rows carry no reference to repeat
      'cur2.csv  aws-cur: 4 read, 4 accepted, 0 rejected, 0 duplicate',
      'export.parquet  unreadable: 0 read, 0 accepted, 0 rejected, 0 duplicate; file error: the file is a Parquet file: TrueUp reads CSV, NDJSON or gzip-compressed CSV/NDJSON (export CUR 2.0 as CSV with gzip compression)',
      'pax8.csv  duplicate of copy-of-pax8.csv: nothing would be ingested',
      // As the conformance reconciliation records it (test/fixtures/conformance/expected)
      'rmm-export.csv  canonical: 656 read, 653 accepted, 2 rejected, 1 duplicate',
      '4 row(s) would be rejected and 1 file(s) stop at a file error; the ingest takes the rest.',
      'First rejected rows:',
      '2025-02/rmm.csv line 3, quantity: "x" is not a decimal number (digits and one \'.\', no currency symbol or separators)',
      '2025-02/rmm.csv line 4, usage_date: "2025-02-30" is not a real date in YYYY-MM-DD form',
      'rmm-export.csv line 399, quantity: "1e3" uses exponent notation; write a plain decimal',
      'rmm-export.csv line 504, usage_date: "02/03/2025" is not a real date in YYYY-MM-DD form',
    ]);
    expect(await readdir(data, { recursive: true })).toEqual(before);
  });

  it('fails with --strict when a row would be rejected', async () => {
    const { code, err } = await run('validate', '--data', data, '--strict');
    expect(code).toBe(1);
    expect(err).toBe(`3 usage file(s) in ${data} have rejected rows or cannot be read (see above).`);
  });
});

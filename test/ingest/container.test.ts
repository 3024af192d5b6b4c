/**
 * Compressed and non-text usage files: a gzip file (as AWS delivers CUR) is read like the file
 * it holds, told by its magic bytes whatever its name, streamed; sha256 and bytes stay those
 * of the raw bytes; a damaged gzip and the formats TrueUp does not read (Parquet, zip, xlsx,
 * xls, other compressions) are a file error that says what the file is.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SHARED, counts, readBytes } from './helpers.js';

const CUR2 = readFileSync(join(SHARED, 'samples/aws-cur/sample-cur20_synthetic_sbroenne.csv'));
const FOCUS = readFileSync(join(SHARED, 'samples/focus/focus_sample_1.0_finops_foundation.csv'));
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const BINARY = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\ufffd]/; // eslint-disable-line no-control-regex

describe('gzip-compressed usage files', () => {
  it.each([
    ['a CUR 2.0 export as .csv.gz', 'cur.csv.gz', CUR2, 1],
    ['a FOCUS export, named .csv (magic bytes, not the name), in 101-byte chunks', 'focus.csv', FOCUS, 101],
    ['the same, in 64 KiB chunks', 'focus.gz', FOCUS, 65_536],
  ])('reads %s like the file it holds', async (_case, name, plain, chunkSize) => {
    // Prepare
    const gz = gzipSync(plain);
    const expected = await readBytes(name, plain);
    // Act
    const { summary, records } = await readBytes(name, gz, chunkSize);
    // Assess: the same rows, the raw (compressed) bytes hashed and counted
    expect(summary.fileError).toBeUndefined();
    expect([summary.format, ...counts(summary)]).toEqual([expected.summary.format, ...counts(expected.summary)]);
    expect(records).toEqual(expected.records);
    expect(records.length).toBeGreaterThan(0);
    expect([summary.sha256, summary.bytes]).toEqual([sha256(gz), gz.length]);
  });

  it('reads a file of several gzip members (concatenated .gz files) as one', async () => {
    const text = CUR2.toString('utf8');
    const cut = text.indexOf('\n', text.length / 2) + 1;
    const gz = Buffer.concat([gzipSync(text.slice(0, cut)), gzipSync(text.slice(cut))]);
    const { summary } = await readBytes('two-members.csv.gz', gz, 100);
    expect([summary.format, ...counts(summary)]).toEqual([
      'aws-cur',
      ...counts((await readBytes('x.csv', CUR2)).summary),
    ]);
  });

  it('rejects a damaged gzip file with a clear file error, still hashing all of it', async () => {
    // Prepare: cut short, and a corrupted deflate stream
    const gz = gzipSync(FOCUS);
    const corrupt = Buffer.from(gz);
    corrupt.fill(0xff, 20, 60);
    for (const [bytes, chunk] of [
      [gz.subarray(0, gz.length / 2), 1000],
      [corrupt, 4096],
    ] as const) {
      // Act
      const { summary } = await readBytes('damaged.csv.gz', bytes, chunk);
      // Assess
      expect(summary.fileError).toMatch(
        /^the file starts like a gzip file but cannot be decompressed \(.+\): it is damaged or cut short$/,
      );
      expect(summary.fileError).not.toMatch(BINARY);
      expect([summary.sha256, summary.bytes]).toEqual([sha256(bytes), bytes.length]);
      expect(summary.rowsRead).toBe(summary.rowsAccepted + summary.rowsRejected + summary.rowsDuplicate);
    }
  });
});

describe('files TrueUp does not read', () => {
  const READS = 'TrueUp reads CSV, NDJSON or gzip-compressed CSV/NDJSON';
  it.each([
    [
      'Parquet (CUR 2.0)',
      'cur.parquet',
      [0x50, 0x41, 0x52, 0x31, 0x15, 0x04, 0x15, 0x80],
      `the file is a Parquet file: ${READS} (export CUR 2.0 as CSV with gzip compression)`,
    ],
    [
      'zip',
      'usage.zip',
      [0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00],
      `the file is a zip archive (or an Excel .xlsx workbook): ${READS}; unzip it, or save the sheet as CSV`,
    ],
    [
      'xlsx named .csv',
      'usage.csv',
      [0x50, 0x4b, 0x03, 0x04, 0x0a, 0x00, 0x00, 0x00],
      `the file is a zip archive (or an Excel .xlsx workbook): ${READS}; unzip it, or save the sheet as CSV`,
    ],
    [
      'xls',
      'usage.xls',
      [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
      `the file is an Excel .xls workbook: ${READS}; save the sheet as CSV`,
    ],
    [
      'bzip2',
      'usage.csv.bz2',
      [0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26],
      `the file is compressed with bzip2: ${READS}; compress it with gzip or not at all`,
    ],
    [
      'zstd',
      'usage.csv.zst',
      [0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x58, 0x00, 0x00],
      `the file is compressed with zstd: ${READS}; compress it with gzip or not at all`,
    ],
  ])('%s: says what the file is, without its binary header', async (_case, name, magic, message) => {
    // Prepare: the signature, then binary junk
    const bytes = Buffer.concat([
      Buffer.from(magic),
      Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 37 + 11) % 256)),
    ]);
    // Act: whole, and one byte at a time (the signature split over chunks)
    for (const chunk of [65_536, 1]) {
      const { summary } = await readBytes(name, bytes, chunk);
      // Assess
      expect(summary.fileError).toBe(message);
      expect(counts(summary)).toEqual([0, 0, 0, 0]);
      expect([summary.sha256, summary.bytes]).toEqual([sha256(bytes), bytes.length]);
    }
  });

  it('still reads short plain files (shorter than any signature)', async () => {
    const { summary } = await readBytes('tiny.csv', Buffer.from('a,b\n'), 1);
    expect(summary.fileError).toMatch(/^unknown usage file format: the header \(a, b\)/);
  });
});

/**
 * The hostile corpus: every file under test/fixtures/ingest/hostile has one row in the table
 * below with its exact outcome. Big files (10,000 columns, 1 MB fields, runaway quotes) are
 * generated here rather than committed.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../functions/domain/money.js';
import { FIXTURES, readBytes, readPath, counts, type ReadResult } from './helpers.js';

const HOSTILE = join(FIXTURES, 'hostile');
const HEADER = 'vendor,account_id,vendor_sku,quantity,usage_date,unit_cost,cost,currency,reference';

interface Outcome {
  /** [rowsRead, rowsAccepted, rowsRejected, rowsDuplicate] */
  readonly counts: [number, number, number, number];
  readonly format?: string;
  readonly fileError?: RegExp;
  /** [line, field] of every rejection, in order. */
  readonly rejected?: [number, string | undefined][];
  readonly check?: (result: ReadResult) => void;
}

const UNKNOWN = /^unknown usage file format: .*canonical.*FOCUS 1\.x.*Partner Center.*AWS CUR.*Pax8/s;

const TABLE: Record<string, Outcome> = {
  'semicolon.csv': { counts: [0, 0, 0, 0], fileError: UNKNOWN },
  'tab-delimited.tsv': { counts: [0, 0, 0, 0], fileError: UNKNOWN },
  'truncated-quote.csv': {
    counts: [2, 1, 1, 0],
    format: 'canonical',
    rejected: [[3, undefined]],
    check: ({ summary }) => expect(summary.rejections[0]?.reason).toMatch(/unterminated quoted field/),
  },
  'binary-junk.bin': { counts: [0, 0, 0, 0], fileError: UNKNOWN },
  'empty.csv': {
    counts: [0, 0, 0, 0],
    fileError: /^the file is empty$/,
    check: ({ summary }) =>
      expect(summary.sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'),
  },
  'header-only.csv': { counts: [0, 0, 0, 0], format: 'canonical' },
  'header-only-no-newline.csv': { counts: [0, 0, 0, 0], format: 'canonical' },
  'blank-only.csv': { counts: [0, 0, 0, 0], fileError: /only blank lines/ },
  'invalid-dates.csv': {
    counts: [6, 1, 5, 0],
    rejected: [
      [2, 'usage_date'],
      [3, 'usage_date'],
      [4, 'usage_date'],
      [5, 'usage_date'],
      [7, 'usage_date'],
    ],
    check: ({ records }) => expect(records[0]?.usageDate).toBe('2024-02-29'),
  },
  'negative-quantity.csv': {
    counts: [4, 2, 2, 0],
    rejected: [
      [2, 'quantity'],
      [3, 'quantity'],
    ],
    check: ({ summary }) => expect(summary.rejections[0]?.reason).toMatch(/must not be negative/),
  },
  'non-numeric-quantity.csv': {
    counts: [12, 2, 10, 0],
    rejected: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((line) => [line, 'quantity']),
    check: ({ summary, records }) => {
      expect(summary.rejections[1]?.reason).toMatch(/thousands separators/);
      expect(summary.rejections[5]?.reason).toMatch(/exponent/);
      expect(records.map((r) => r.quantity.toString())).toEqual(['5', '0.5']);
    },
  },
  'utf16be-bom.csv': {
    counts: [3, 3, 0, 0],
    check: ({ records }) => expect([records[1]?.vendorSku, records[1]?.currency]).toEqual(['séat', 'EUR']),
  },
  'utf16le-bom.csv': {
    counts: [3, 3, 0, 0],
    check: ({ records }) => expect([records[1]?.vendorSku, records[2]?.source.line]).toEqual(['séat', 4]),
  },
  'utf8-bom.csv': { counts: [3, 3, 0, 0], check: ({ records }) => expect(records[0]?.vendor).toBe('rmm') },
  // A quoted line break is read as part of the cell (the next rows keep their physical lines),
  // but an id holding one can never match the reference files: the row is rejected.
  'crlf.csv': {
    counts: [3, 1, 2, 0],
    rejected: [
      [2, 'vendor_sku'],
      [5, 'quantity'],
    ],
    check: ({ summary, records }) => {
      expect(summary.rejections[0]?.reason).toBe(
        'contains the control character U+000D (got "multi\\r\\nline sku"): an id must be one line of text',
      );
      expect(records.map((r) => [r.source.line, r.vendorSku])).toEqual([[4, 'seat']]);
    },
  },
  'quoted-commas-newlines.csv': {
    counts: [3, 1, 2, 0],
    rejected: [
      [3, 'vendor_sku'],
      [6, 'usage_date'],
    ],
    check: ({ summary, records }) => {
      expect(summary.rejections[0]?.raw).toBe('rmm,a,2,sku\nwith\nnewlines,2,2025-01-02,,,,ref "quoted"');
      expect(records.map((r) => [r.source.line, r.accountId, r.vendorSku, r.reference])).toEqual([
        [2, 'a1', 'sku, with comma', undefined],
      ]);
    },
  },
  'odd-header.csv': {
    counts: [1, 1, 0, 0],
    check: ({ records }) =>
      expect([records[0]?.vendor, records[0]?.currency, records[0]?.cost?.toString(), records[0]?.reference]).toEqual([
        'rmm',
        'USD',
        '6',
        'R1',
      ]),
  },
  'trailing-blank-lines.csv': { counts: [2, 2, 0, 0] },
  'null-cells.csv': {
    counts: [4, 1, 3, 0],
    rejected: [
      [3, 'account_id'],
      [4, 'vendor'],
      [5, 'quantity'],
    ],
    check: ({ records }) =>
      expect(records[0]).toMatchObject({
        unitCost: undefined,
        cost: undefined,
        currency: undefined,
        reference: undefined,
      }),
  },
  'duplicate-references.csv': {
    counts: [7, 6, 0, 1],
    check: ({ summary }) =>
      expect(summary.duplicates).toEqual([
        {
          file: 'duplicate-references.csv',
          line: 3,
          field: 'reference',
          reason: 'reference "R1" was already seen for rmm in 2025-01',
        },
      ]),
  },
  'mixed-encodings.csv': {
    counts: [3, 2, 1, 0],
    rejected: [[3, 'account_id']],
    check: ({ summary, records }) => {
      expect(summary.rejections[0]?.reason).toMatch(/not valid text/);
      expect(records[1]?.accountId).toBe('café');
    },
  },
  'wrong-field-count.csv': {
    counts: [3, 1, 2, 0],
    rejected: [
      [2, undefined],
      [3, undefined],
    ],
    check: ({ summary }) =>
      expect(summary.rejections[0]?.reason).toBe(
        'has 5 cells but the header has 9 (wrong delimiter or an unquoted comma?)',
      ),
  },
  'missing-required.csv': {
    counts: [5, 0, 5, 0],
    rejected: [
      [2, 'vendor'],
      [3, 'account_id'],
      [4, 'vendor_sku'],
      [5, 'usage_date'],
      [6, 'usage_date'],
    ],
  },
  'bad-currency.csv': {
    counts: [4, 1, 3, 0],
    rejected: [
      [2, 'currency'],
      [3, 'currency'],
      [4, 'currency'],
    ],
    check: ({ records }) => expect(records[0]?.currency).toBe('USD'),
  },
  'bad-costs.csv': {
    counts: [4, 1, 3, 0],
    rejected: [
      [2, 'unit_cost'],
      [3, 'cost'],
      [5, 'unit_cost'],
    ],
    check: ({ records }) => expect(records[0]?.cost?.equals(new Dec('-2.5'))).toBe(true),
  },
  'unknown-header.csv': { counts: [0, 0, 0, 0], fileError: /the header \(foo, bar, baz\) matches none/ },
  'near-miss-focus.csv': { counts: [0, 0, 0, 0], fileError: /It looks like focus but lacks: BillingPeriodStart\.$/ },
  'canonical.ndjson': {
    counts: [7, 2, 4, 1],
    format: 'canonical-ndjson',
    rejected: [
      [4, undefined],
      [5, undefined],
      [6, 'account_id'],
      [7, 'quantity'],
    ],
    check: ({ summary, records }) => {
      expect(summary.rejections.map((r) => r.reason).slice(0, 2)).toEqual(['not valid JSON', 'not a JSON object']);
      expect(
        records.map((r) => [r.source.line, r.vendor, r.quantity.toString(), r.cost?.toString(), r.currency]),
      ).toEqual([
        [1, 'rmm', '12.1', '-3.5', undefined],
        [3, 'rmm', '4', undefined, undefined],
      ]);
    },
  },
  // An object or array is no cell: under a column the format reads it rejects the row (the first
  // line too, which still names the format); under any other key it is ignored like an unknown column.
  'nested-json.ndjson': {
    counts: [3, 1, 2, 0],
    format: 'canonical-ndjson',
    rejected: [
      [1, 'account_id'],
      [3, 'quantity'],
    ],
    check: ({ summary, records }) => {
      expect(summary.rejections.map((r) => r.reason)).toEqual([
        'must be a single value, not an object or array',
        'must be a single value, not an object or array',
      ]);
      expect(records.map((r) => [r.source.line, r.accountId, r.quantity.toString()])).toEqual([[2, 'a1', '2']]);
    },
  },
  'no-trailing-newline.csv': {
    counts: [2, 2, 0, 0],
    check: ({ records }) => expect(records[1]?.quantity.toString()).toBe('2'),
  },
  'malformed-quote.csv': { counts: [2, 1, 1, 0], rejected: [[2, undefined]] },
  'literal-quote-in-unquoted.csv': {
    counts: [1, 1, 0, 0],
    check: ({ records }) => expect(records[0]?.vendorSku).toBe('27" monitor'),
  },
  'excel-sep-line.csv': { counts: [0, 0, 0, 0], fileError: /the header \(sep=, \)/ },
  'whitespace-cells.csv': {
    counts: [1, 1, 0, 0],
    check: ({ records }) =>
      expect([records[0]?.vendor, records[0]?.accountId, records[0]?.quantity.toString()]).toEqual(['rmm', 'a1', '5']),
  },
  'timestamp-in-canonical.csv': {
    counts: [2, 0, 2, 0],
    rejected: [
      [2, 'usage_date'],
      [3, 'usage_date'],
    ],
  },
  'leading-blank-lines.csv': { counts: [1, 1, 0, 0], check: ({ records }) => expect(records[0]?.source.line).toBe(4) },
  'html-error-page.csv': { counts: [0, 0, 0, 0], fileError: UNKNOWN },
  // FOCUS NumericFormat allows E notation: line 6's BilledCost 1e3 is 1000.
  'focus-categories.csv': {
    counts: [7, 5, 2, 0],
    format: 'focus',
    rejected: [
      [7, 'ChargePeriodStart'],
      [8, 'PricingQuantity'],
    ],
    check: ({ summary, records }) => {
      expect(summary.rowsSkipped).toBe(1);
      expect(
        records.map((r) => [
          r.source.line,
          r.vendor,
          r.quantity.toString(),
          r.cost?.toString(),
          r.usageDate,
          r.period,
          r.currency,
        ]),
      ).toEqual([
        [2, 'microsoft', '3', '10.5', '2025-01-31', '2025-02', 'USD'],
        [4, 'microsoft', '0', '-2', '2025-01-15', '2025-01', 'USD'],
        [5, 'aws', '1', '100', '2024-12-31', '2025-01', 'USD'],
        [6, 'aws', '1', '1000', '2025-01-01', '2025-01', 'USD'],
      ]);
    },
  },
  'cur-legacy-line-types.csv': {
    counts: [6, 4, 2, 0],
    format: 'aws-cur',
    rejected: [
      [6, 'lineItem/UsageAmount'],
      [7, 'lineItem/UsageType'],
    ],
    check: ({ summary, records }) => {
      expect(summary.rowsSkipped).toBe(1);
      expect(
        records.map((r) => [
          r.source.line,
          r.accountId,
          r.vendorSku,
          r.quantity.toFixed(),
          r.cost?.toFixed(),
          r.usageDate,
          r.period,
        ]),
      ).toEqual([
        [2, '111', 'AmazonEC2:BoxUsage:t3.micro', '0.0000009984', '0.0000000013', '2025-01-31', '2025-02'],
        [4, '111', 'AWSSupportBusiness:Fee', '0', '100', '2025-02-01', '2025-02'],
        [5, '222', 'AmazonRDS:InstanceUsage:db.t3', '2', '0', '2025-02-03', '2025-02'],
      ]);
    },
  },
};

function assertOutcome(result: ReadResult, outcome: Outcome): void {
  const { summary } = result;
  expect(counts(summary)).toEqual(outcome.counts);
  expect(summary.rowsRead).toBe(summary.rowsAccepted + summary.rowsRejected + summary.rowsDuplicate);
  expect(result.records).toHaveLength(summary.rowsAccepted - summary.rowsSkipped);
  if (outcome.fileError) expect(summary.fileError).toMatch(outcome.fileError);
  else expect(summary.fileError).toBeUndefined();
  if (outcome.format) expect(summary.format).toBe(outcome.format);
  expect(summary.rejections.map((r) => [r.line, r.field])).toEqual(outcome.rejected ?? []);
  outcome.check?.(result);
}

describe('the hostile corpus', () => {
  it('has an expected outcome for every file, and a file for every outcome', () => {
    expect(readdirSync(HOSTILE).sort()).toEqual(Object.keys(TABLE).sort());
  });

  it.each(Object.entries(TABLE))('reads %s with its exact outcome', async (name, outcome) => {
    // Act
    const result = await readPath(join(HOSTILE, name));
    // Assess
    assertOutcome(result, outcome);
  });

  it.each(Object.entries(TABLE))('reads %s the same in 3-byte chunks', async (name, outcome) => {
    assertOutcome(await readPath(join(HOSTILE, name), 3), outcome);
  });
});

describe('generated hostile files', () => {
  it('reads a file with 10,000 columns', async () => {
    // Prepare
    const extra = Array.from({ length: 9_991 }, (_, i) => `extra_${i}`);
    const filler = ','.repeat(9_991);
    const text =
      `${HEADER},${extra.join(',')}\n` +
      ['rmm,a1,seat,1,2025-01-02,,,,R1', 'rmm,a1,seat,2,2025-01-03,,,,R2'].map((row) => row + filler + '\n').join('');
    // Act
    const { summary, records } = await readBytes('wide.csv', Buffer.from(text));
    // Assess
    expect(counts(summary)).toEqual([2, 2, 0, 0]);
    expect(records.map((r) => r.quantity.toString())).toEqual(['1', '2']);
  });

  it('reads a 1 MB quoted field with commas and newlines and keeps the next line number right', async () => {
    // Prepare
    const big = `${'x,y\n'.repeat(262_144)}end`;
    const text = `${HEADER}\nrmm,a1,"${big}",1,2025-01-02,,,,R1\nrmm,a1,seat,1e3,2025-01-02,,,,R2\n`;
    // Act
    const { summary } = await readBytes('big-field.csv', Buffer.from(text), 4096);
    // Assess: read whole, then rejected (an id is one line); the next row's line is right.
    expect(counts(summary)).toEqual([2, 0, 2, 0]);
    expect(summary.rejections.map((r) => [r.line, r.field])).toEqual([
      [2, 'vendor_sku'],
      [2 + 262_144 + 1, 'quantity'],
    ]);
    expect(summary.rejections[0]?.reason).toBe(
      'contains the control character U+000A (got "x,y\\nx,y\\nx,y\\nx,y\\nx,y\\nx,y\\nx,y\\nx,y\\nx,y\\nx,y\\n…"): an id must be one line of text',
    );
    expect(summary.rejections.every((r) => (r.raw?.length ?? 0) <= 501)).toBe(true);
  });

  it('stops with a file error when a quote never closes in a file bigger than the row limit', async () => {
    // Prepare
    const text = `${HEADER}\nrmm,a1,seat,1,2025-01-02,,,,R1\nrmm,"${'z\n'.repeat(4_300_000)}`;
    // Act
    const { summary } = await readBytes('runaway.csv', Buffer.from(text));
    // Assess
    expect(counts(summary)).toEqual([1, 1, 0, 0]);
    expect(summary.fileError).toMatch(/row starting at line 3 is longer than/);
    expect(summary.bytes).toBe(Buffer.byteLength(text));
  });

  it('stops with a file error on 9 MB of junk without a newline', async () => {
    const { summary } = await readBytes('junk.csv', Buffer.alloc(9 * 1024 * 1024, 0x41));
    expect(summary.fileError).toMatch(/line 1 is longer than/);
    expect(summary.rowsRead).toBe(0);
  });
});

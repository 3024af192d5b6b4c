/**
 * Usage ids (vendor, account, vendor sku, reference) are single-line keys of bounded length in
 * every format: otherwise a megabyte account id made the billing run's discrepancy item larger
 * than DynamoDB allows, and a reference holding a line break split the duplicate-reference
 * index so a second copy of the row was billed.
 */
import { describe, expect, it } from 'vitest';
import { counts, readBytes } from './helpers.js';

const HEADER = 'vendor,account_id,vendor_sku,quantity,usage_date,unit_cost,cost,currency,reference';
const read = (name: string, text: string) => readBytes(name, Buffer.from(text));
const outcome = (summary: Awaited<ReturnType<typeof read>>['summary']) =>
  summary.rejections.map((r) => [r.line, r.field, r.reason]);

describe('usage ids', () => {
  it.each([
    [
      'NUL in a vendor',
      'r\u0000mm,a1,seat,1,2025-01-02,,,,',
      'vendor',
      'contains the control character U+0000 (got "r\\u0000mm"): an id must be one line of text',
    ],
    [
      'a line break in an account id',
      'rmm,"a\n1",seat,1,2025-01-02,,,,',
      'account_id',
      'contains the control character U+000A (got "a\\n1"): an id must be one line of text',
    ],
    [
      'a tab inside a vendor sku',
      'rmm,a1,"se\tat",1,2025-01-02,,,,',
      'vendor_sku',
      'contains the control character U+0009 (got "se\\tat"): an id must be one line of text',
    ],
    [
      'NEL (C1) in a reference',
      'rmm,a1,seat,1,2025-01-02,,,,R\u00851',
      'reference',
      'contains the control character U+0085 (got "R\\u00851"): an id must be one line of text',
    ],
    [
      'a line separator in a reference',
      'rmm,a1,seat,1,2025-01-02,,,,R\u20281',
      'reference',
      'contains the control character U+2028 (got "R\\u20281"): an id must be one line of text',
    ],
    [
      'a 65-character vendor',
      `${'v'.repeat(65)},a1,seat,1,2025-01-02,,,,`,
      'vendor',
      `is 65 characters long (got "${'v'.repeat(40)}…"): an id is at most 64 characters`,
    ],
    [
      'a 257-character account id',
      `rmm,${'a'.repeat(257)},seat,1,2025-01-02,,,,`,
      'account_id',
      `is 257 characters long (got "${'a'.repeat(40)}…"): an id is at most 256 characters`,
    ],
  ])('rejects %s, naming the column', async (_case, row, field, reason) => {
    // Act
    const { summary, records } = await read('ids.csv', `${HEADER}\n${row}\nrmm,a1,seat,2,2025-01-03,,,,R9\n`);
    // Assess
    expect(counts(summary)).toEqual([2, 1, 1, 0]);
    expect(outcome(summary)).toEqual([[2, field, reason]]);
    expect(records.map((r) => r.quantity.toString())).toEqual(['2']);
  });

  it('keeps surrounding whitespace out of the question (cells are trimmed) and accepts ids at the limits', async () => {
    const { summary, records } = await read(
      'ok.csv',
      `${HEADER}\n${'v'.repeat(64)},"\t${'a'.repeat(256)}\r\n",seat,1,2025-01-02,,,,\n`,
    );
    expect(counts(summary)).toEqual([1, 1, 0, 0]);
    expect(records[0]?.accountId).toHaveLength(256);
  });

  it('names the NDJSON key and the part of a composed AWS sku at fault', async () => {
    // Prepare
    const ndjson =
      '{"vendor":"rmm","account_id":"a1","vendor_sku":"seat\\r\\n","quantity":1,"usage_date":"2025-01-02","reference":"x\\ny"}\n';
    const cur =
      'identity/LineItemId,lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/ProductCode,lineItem/UsageType,lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedCost\n' +
      `l1,111,Usage,2025-01-31T23:00:00Z,AmazonEC2,"Box\u0001Usage",1,USD,1\n` +
      `l2,111,Usage,2025-01-31T23:00:00Z,${'P'.repeat(200)},${'U'.repeat(200)},1,USD,1\n`;
    // Act
    const json = await read('u.ndjson', ndjson);
    const aws = await read('cur.csv', cur);
    // Assess
    expect(outcome(json.summary)).toEqual([
      [1, 'reference', 'contains the control character U+000A (got "x\\ny"): an id must be one line of text'],
    ]);
    expect(aws.summary.rejections.map((r) => [r.line, r.field])).toEqual([
      [2, 'lineItem/UsageType'],
      [3, 'vendor_sku'],
    ]);
  });

  it('shows control characters quoted from a cell as escapes in rejection messages, and ignores an unknown NDJSON key holding them', async () => {
    // Prepare: an ANSI "clear screen" in a date, an OSC title sequence in a quantity and in an unknown NDJSON key.
    const csvFile = await read(
      'esc.csv',
      `${HEADER}\nrmm,a1,seat,1,\u001b[2J2025-01-02,,,,\nrmm,a1,seat,\u001b]0;pwned\u00075,2025-01-02,,,,\n`,
    );
    const line = '{"vendor":"rmm","account_id":"a1","vendor_sku":"seat","quantity":"1","usage_date":"2025-01-02"';
    const json = await read('esc.ndjson', `${line}}\n${line},"x\\u001b]0;pwned\\u0007":{"a":1}}\n`);
    // Assess
    expect(outcome(csvFile.summary)).toEqual([
      [2, 'usage_date', '"\\u001b[2J2025-01-02" is not a real date in YYYY-MM-DD form'],
      [
        3,
        'quantity',
        '"\\u001b]0;pwned\\u00075" is not a decimal number (digits and one \'.\', no currency symbol or separators)',
      ],
    ]);
    expect(counts(json.summary)).toEqual([2, 2, 0, 0]);
  });
});

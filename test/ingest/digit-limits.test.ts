/**
 * Usage numbers beyond the documented digit limits (docs/rules.md: 15 digits before the point,
 * 40 decimals) are refused with the limit named, on every path: the canonical fast lane, the
 * ordinary cell reader and the exponent forms of FOCUS and CUR.
 */
import { describe, expect, it } from 'vitest';
import { RowProblem, toDecimal } from '../../functions/ingest/row-cells.js';
import { readBytes } from './helpers.js';

function refusal(text: string, exponent = false): string | undefined {
  try {
    toDecimal('quantity', text, { exponent });
    return undefined;
  } catch (error) {
    if (error instanceof RowProblem) return error.reason;
    throw error;
  }
}

describe('usage numbers within the digit limits', () => {
  it('refuses a 42-digit quantity instead of computing it inexactly', () => {
    expect(refusal('123456789012345678901234567890123456789012')).toMatch(
      /has 42 digits before the decimal point; at most 15 are allowed/,
    );
  });

  it('refuses more than 40 decimals, and accepts 40 and trailing zeros', () => {
    expect(refusal(`0.${'1234567890'.repeat(4)}1`)).toMatch(/has 41 decimal places; at most 40 are allowed/);
    expect(refusal(`0.${'1234567890'.repeat(4)}`)).toBeUndefined();
    expect(refusal('5.000000000000000000000000000000000000000000000000')).toBeUndefined();
    expect(refusal(`999999999999999.${'9'.repeat(40)}`)).toBeUndefined();
  });

  it('keeps FOCUS/CUR exponents working and names the limit when the digits exceed it', () => {
    expect(toDecimal('cost', '9.984E-7', { exponent: true }).toFixed()).toBe('0.0000009984');
    expect(toDecimal('cost', '6.65679E-09', { exponent: true }).toFixed()).toBe('0.00000000665679');
    expect(toDecimal('cost', '1.0000000000000001E-10', { exponent: true }).toFixed()).toBe(
      '0.00000000010000000000000001',
    );
    expect(refusal('1.5E-40', true)).toMatch(/has 41 decimal places; at most 40 are allowed \(got "1.5E-40"\)/);
    expect(refusal('1E+20', true)).toMatch(/has 21 digits before the decimal point; at most 15 are allowed/);
  });

  it('rejects such a row in a canonical file, whichever reader path takes it', async () => {
    const csv = [
      'vendor,account_id,vendor_sku,quantity,usage_date,unit_cost,cost',
      'ninja,A1,DEV,123456789012345678901234567890123456789012,2025-03-01,,',
      `ninja,A1,DEV,1,2025-03-01,0.${'0'.repeat(40)}1,`,
      'ninja,A1,DEV,1,2025-03-01,,1234567890123456',
      'ninja,A1,DEV,2,2025-03-01,1.5,3',
      '',
    ].join('\n');
    const { summary, records } = await readBytes('usage.csv', Buffer.from(csv));
    expect(records).toHaveLength(1);
    expect(summary.rejections.map((r) => [r.line, r.field])).toEqual([
      [2, 'quantity'],
      [3, 'unit_cost'],
      [4, 'cost'],
    ]);
    expect(summary.rejections[0]?.reason).toMatch(/at most 15 are allowed/);
  });
});

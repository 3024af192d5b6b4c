import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../functions/domain/money.js';
import { RowProblem, billingPeriod, currency, toDecimal, utcDate } from '../../functions/ingest/row-cells.js';

const PLAIN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** toDecimal's result as data: the value's text, or the refusal. */
function outcome(text: string, nonNegative: boolean): string {
  try {
    return `value ${toDecimal('quantity', text, { nonNegative }).toFixed()}`;
  } catch (error) {
    if (error instanceof RowProblem) return `refused ${error.reason}`;
    throw error;
  }
}

describe('toDecimal', () => {
  it('accepts exactly the plain decimals, exactly, and refuses negatives only when asked', () => {
    const text = fc
      .array(fc.constantFrom('0', '1', '7', '9', '.', '-', '+', 'e', ' ', ','), { maxLength: 18 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, fc.boolean(), (input, nonNegative) => {
        const got = outcome(input, nonNegative);
        if (!PLAIN.test(input)) expect(got).toMatch(/^refused /);
        else if (nonNegative && input.startsWith('-') && !/^-[0.]*$/.test(input))
          expect(got).toBe(`refused must not be negative (got "${input}")`);
        else expect(got).toBe(`value ${new Dec(input).toFixed()}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps digits beyond any float precision', () => {
    expect(toDecimal('cost', '12345678901234.5678').toFixed()).toBe('12345678901234.5678');
    expect(toDecimal('cost', '0.1').plus(toDecimal('cost', '0.2')).toFixed()).toBe('0.3');
    expect(toDecimal('cost', '99999999999999').toFixed()).toBe('99999999999999');
  });

  it('shares one instance per literal, and tells 1.5 from 1.50 only by instance', () => {
    expect(toDecimal('cost', '1.25')).toBe(toDecimal('cost', '1.25'));
    expect(toDecimal('cost', '1.50').equals(toDecimal('cost', '1.5'))).toBe(true);
    expect(toDecimal('cost', '-0').isNeg()).toBe(true);
    expect(toDecimal('cost', '0').isNeg()).toBe(false);
  });
});

describe('currency', () => {
  const cells = (value: string): string[] => [value];
  const column = { key: 'currency', index: 0 };

  it('keeps an upper-case code, upper-cases a lower-case one and refuses the rest', () => {
    expect(currency(cells('USD'), column)).toBe('USD');
    expect(currency(cells(' eur '), column)).toBe('EUR');
    expect(currency(cells('NULL'), column)).toBeUndefined();
    expect(() => currency(cells('US1'), column)).toThrow(RowProblem);
    expect(() => currency(cells('ÉUR'), column)).toThrow(RowProblem);
  });
});

describe('utcDate and billingPeriod', () => {
  const column = { key: 'ChargePeriodStart', index: 0 };
  const read = (read: typeof utcDate | typeof billingPeriod, value: string): string => {
    try {
      return read([value], column);
    } catch (error) {
      if (error instanceof RowProblem) return `refused ${error.reason}`;
      throw error;
    }
  };

  it('reads the UTC date of ISO timestamps and BigQuery\'s " UTC" form', () => {
    expect(read(utcDate, '2024-09-01 00:00:00 UTC')).toBe('2024-09-01');
    expect(read(utcDate, '2024-09-01T00:30:00+01:00')).toBe('2024-08-31');
    expect(read(utcDate, '2024-09-30T23:30:00-0100')).toBe('2024-10-01');
  });

  it('refuses an impossible offset or an instant past 9999 in UTC instead of moving the date', () => {
    expect(read(utcDate, '2024-09-01T00:00:00+99:99')).toBe(
      'refused "2024-09-01T00:00:00+99:99" has an impossible UTC offset',
    );
    expect(read(utcDate, '2024-09-29T00:00:00+24:00')).toBe(
      'refused "2024-09-29T00:00:00+24:00" has an impossible UTC offset',
    );
    expect(read(utcDate, '2024-09-01T12:00:00-12:60')).toBe(
      'refused "2024-09-01T12:00:00-12:60" has an impossible UTC offset',
    );
    expect(read(utcDate, '9999-12-31T23:00:00-05:00')).toBe(
      'refused "9999-12-31T23:00:00-05:00" falls outside the years 0000–9999 in UTC',
    );
  });

  it('gives a billing period start the month it is written in, whatever its offset', () => {
    expect(read(billingPeriod, '2024-09-01T00:00:00+02:00')).toBe('2024-09');
    expect(read(billingPeriod, '2024-09-01T00:00:00-05:00')).toBe('2024-09');
    expect(read(billingPeriod, '2024-09-01')).toBe('2024-09');
    expect(read(billingPeriod, '2024-09-01T00:00:00+24:00')).toBe(
      'refused "2024-09-01T00:00:00+24:00" has an impossible UTC offset',
    );
  });
});

describe('toDecimal with exponents', () => {
  it('reads E notation exactly up to ±40 and names the limit beyond it', () => {
    expect(toDecimal('cost', '9.984E-7', { exponent: true }).toFixed()).toBe('0.0000009984');
    expect(toDecimal('cost', '1E-40', { exponent: true }).toFixed()).toBe(`0.${'0'.repeat(39)}1`);
    expect(() => toDecimal('cost', '1E-41', { exponent: true })).toThrow(
      expect.objectContaining({ reason: '"1E-41" has an exponent beyond ±40, which is no cost or quantity' }),
    );
    expect(() => toDecimal('cost', '1E-7')).toThrow(
      expect.objectContaining({ reason: '"1E-7" uses exponent notation; write a plain decimal' }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Dec } from '../../functions/domain/money.js';
import { RowProblem, currency, toDecimal } from '../../functions/ingest/cells.js';

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
    const text = fc.array(fc.constantFrom('0', '1', '7', '9', '.', '-', '+', 'e', ' ', ','), { maxLength: 18 }).map((parts) => parts.join(''));
    fc.assert(fc.property(text, fc.boolean(), (input, nonNegative) => {
      const got = outcome(input, nonNegative);
      if (!PLAIN.test(input)) expect(got).toMatch(/^refused /);
      else if (nonNegative && input.startsWith('-') && !/^-[0.]*$/.test(input)) expect(got).toBe(`refused must not be negative (got "${input}")`);
      else expect(got).toBe(`value ${new Dec(input).toFixed()}`);
    }), { numRuns: 2000 });
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

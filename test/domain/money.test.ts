import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Dec,
  decimalText,
  formatMoney,
  fromMinorUnits,
  formatQuantity,
  isPlainDecimal,
  minorUnits,
  parseDecimal,
  roundMoney,
  toMinorUnits,
} from '../../functions/domain/money.js';

describe('minorUnits', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['KWD', 3],
    ['BHD', 3],
    ['OMR', 3],
    ['CAD', 2],
    ['jpy', 0],
  ])('gives %s %i minor digits', (currency, digits) => {
    expect(minorUnits(currency)).toBe(digits);
  });
});

describe('roundMoney: half away from zero at the minor unit', () => {
  it.each([
    ['2.675', 'USD', '2.68'],
    ['-2.675', 'USD', '-2.68'],
    ['2.665', 'USD', '2.67'],
    ['0.005', 'EUR', '0.01'],
    ['2.5', 'JPY', '3'],
    ['-2.5', 'JPY', '-3'],
    ['1.2345', 'KWD', '1.235'],
    ['1.2344999', 'KWD', '1.234'],
  ])('rounds %s %s to %s', (value, currency, expected) => {
    expect(roundMoney(new Dec(value), currency).toFixed()).toBe(new Dec(expected).toFixed());
  });

  it('never drifts like binary floats do (0.1 + 0.2)', () => {
    expect(formatMoney(new Dec('0.1').plus('0.2'), 'USD')).toBe('0.30');
    expect(new Dec('0.1').plus('0.2').equals('0.3')).toBe(true);
  });
});

describe('formatMoney', () => {
  it.each([
    ['1250', 'USD', '1250.00'],
    ['980', 'JPY', '980'],
    ['12.5', 'KWD', '12.500'],
    ['-0.001', 'USD', '0.00'],
    ['-166.07', 'EUR', '-166.07'],
  ])('formats %s %s as %s', (value, currency, expected) => {
    expect(formatMoney(new Dec(value), currency)).toBe(expected);
  });
});

describe('formatQuantity', () => {
  it.each([
    ['12', '12'],
    ['12.500', '12.5'],
    ['0.0000001', '0.0000001'],
    ['-3.8499999997', '-3.8499999997'],
    ['1e21', '1000000000000000000000'],
  ])('formats %s as %s', (value, expected) => {
    expect(formatQuantity(new Dec(value))).toBe(expected);
  });
});

describe('isPlainDecimal: the one plain-decimal test (ingest cells, CSV cells, parseDecimal)', () => {
  it.each(['12', '-5.00', '+4', '3.', '.25', '0'])('accepts %s', (text) => {
    expect(isPlainDecimal(text)).toBe(true);
  });
  it.each(['1e3', '1,000', '-', '.', '', ' 1', '1 ', '=1+1', '-5.00x', '1.2.3'])('rejects %j', (text) => {
    expect(isPlainDecimal(text)).toBe(false);
  });
});

describe('parseDecimal', () => {
  it.each(['12', '12.5', '-3', '+4', '.5', '0.000001'])('accepts %s', (text) => {
    expect(parseDecimal(text)?.equals(new Dec(text))).toBe(true);
  });
  it.each(['1e3', '1,000', '$10', '', 'abc', '1.2.3', 'NaN', 'Infinity'])('rejects %s', (text) => {
    expect(parseDecimal(text)).toBeUndefined();
  });
  it('round-trips any decimal it formats', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.integer({ min: 0, max: 8 }),
        (units, scale) => {
          const value = new Dec(units.toString()).div(new Dec(10).pow(scale));
          expect(parseDecimal(formatQuantity(value))?.equals(value)).toBe(true);
        },
      ),
    );
  });
});

describe('minor units (payment providers)', () => {
  it('turns money into whole minor units and back, by the currency exponent', () => {
    expect(toMinorUnits(new Dec('12.50'), 'USD')).toBe(1250);
    expect(toMinorUnits(new Dec('980'), 'JPY')).toBe(980);
    expect(toMinorUnits(new Dec('1.234'), 'KWD')).toBe(1234);
    expect(toMinorUnits(new Dec('-3.10'), 'EUR')).toBe(-310);
    expect(decimalText(fromMinorUnits(1250, 'usd'))).toBe('12.5');
    expect(decimalText(fromMinorUnits(1234, 'KWD'))).toBe('1.234');
    expect(decimalText(fromMinorUnits(980, 'JPY'))).toBe('980');
  });

  it('refuses a sub-unit amount and a fractional count rather than round them', () => {
    expect(() => toMinorUnits(new Dec('0.001'), 'USD')).toThrow(/more digits than the currency's minor unit/);
    expect(() => toMinorUnits(new Dec('1.5'), 'JPY')).toThrow(/minor unit/);
    expect(() => fromMinorUnits(1.5, 'USD')).toThrow(/not a whole number/);
  });
});

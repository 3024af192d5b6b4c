/**
 * Exact decimal arithmetic for money and quantities.
 *
 * Every amount and quantity in TrueUp is a `Dec` (decimal.js), never a binary float.
 * Rounding happens only where SPEC.md says: money to the currency's ISO 4217 minor unit,
 * `avg` aggregation to 6 places, discrepancy rates to 4 places; always half away from zero.
 */
import { Decimal as DecimalJs } from 'decimal.js';

/** A decimal.js constructor with enough precision that no business value is ever cut. */
export const Dec = DecimalJs.clone({ precision: 60, rounding: DecimalJs.ROUND_HALF_UP, toExpNeg: -40, toExpPos: 40 });
export type Dec = InstanceType<typeof Dec>;

export const ZERO = new Dec(0);
export const ONE = new Dec(1);

/** ISO 4217 exponents that differ from 2. Anything not listed has two minor digits. */
const MINOR_UNITS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0,
  UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

/** Number of minor digits of a currency (ISO 4217 exponent). */
export function minorUnits(currency: string): number {
  return MINOR_UNITS[currency.toUpperCase()] ?? 2;
}

/** Rounds half away from zero to `places` decimals. */
export function roundHalfAway(value: Dec, places: number): Dec {
  return value.toDecimalPlaces(places, Dec.ROUND_HALF_UP);
}

/** Rounds a money amount to the currency's minor unit, half away from zero. */
export function roundMoney(value: Dec, currency: string): Dec {
  return roundHalfAway(value, minorUnits(currency));
}

/**
 * The exact decimal text of a Dec: decimal.js's own toFixed (no binary float anywhere), with
 * `places` decimals when given, else every digit it has ("12.5", "0.0000001"). Every number
 * TrueUp writes goes through this or the formatters below.
 */
export function decimalText(value: Dec, places?: number): string {
  return places === undefined ? value.toFixed() : value.toFixed(places);
}

/** Formats money with exactly the currency's minor digits: "1250.00", "980", "12.500". */
export function formatMoney(value: Dec, currency: string): string {
  const rounded = roundMoney(value, currency);
  const text = decimalText(rounded, minorUnits(currency));
  return text === '-0' || /^-0\.0+$/.test(text) ? text.slice(1) : text;
}

/** Formats a quantity as a plain decimal without trailing zeros: "12", "12.5". */
export function formatQuantity(value: Dec): string {
  const text = decimalText(value);
  return text === '-0' ? '0' : text;
}

/** A strict decimal literal: optional sign, digits, optional fraction. No exponent, no commas. */
export const DECIMAL_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** Parses a strict decimal literal, or returns undefined. */
export function parseDecimal(text: string): Dec | undefined {
  const trimmed = text.trim();
  if (!DECIMAL_PATTERN.test(trimmed)) return undefined;
  return new Dec(trimmed);
}

export function sum(values: Iterable<Dec>): Dec {
  let total = ZERO;
  for (const value of values) total = total.plus(value);
  return total;
}

/**
 * Exact decimal arithmetic for money and quantities.
 *
 * Every amount and quantity in TrueUp is a `Dec` (decimal.js), never a binary float.
 * Rounding happens only where docs/contract.md §4 says: money to the currency's ISO 4217 minor unit,
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
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

/** Number of minor digits of a currency (ISO 4217 exponent). */
export function minorUnits(currency: string): number {
  return MINOR_UNITS[currency.toUpperCase()] ?? 2;
}

/**
 * An amount in the currency's minor units as an integer (what payment providers take: 12.50 USD
 * is 1250, 980 JPY is 980). Throws when the amount has more digits than the minor unit, so a
 * sub-cent value is never silently rounded on its way out.
 */
export function toMinorUnits(amount: Dec, currency: string): number {
  const scaled = amount.times(new Dec(10).pow(minorUnits(currency)));
  if (!scaled.isInteger())
    throw new Error(`${decimalText(amount)} ${currency} has more digits than the currency's minor unit`);
  if (scaled.abs().greaterThan(Number.MAX_SAFE_INTEGER))
    throw new Error(`${decimalText(amount)} ${currency} is too large`);
  return scaled.toNumber();
}

/** The amount an integer count of the currency's minor units stands for (1250 USD → 12.50). */
export function fromMinorUnits(units: number, currency: string): Dec {
  if (!Number.isSafeInteger(units))
    throw new Error(`${String(units)} is not a whole number of minor units of ${currency}`);
  return new Dec(units).dividedBy(new Dec(10).pow(minorUnits(currency)));
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

/** Whether text is a plain decimal (`12`, `-5.00`, `3.`, `.25`) as DECIMAL_PATTERN, untrimmed. */
export function isPlainDecimal(text: string): boolean {
  return DECIMAL_PATTERN.test(text);
}

/** Parses a strict decimal literal, or returns undefined. */
export function parseDecimal(text: string): Dec | undefined {
  const trimmed = text.trim();
  if (!isPlainDecimal(trimmed)) return undefined;
  return new Dec(trimmed);
}

export function sum(values: Iterable<Dec>): Dec {
  let total = ZERO;
  for (const value of values) total = total.plus(value);
  return total;
}

/**
 * How many digits a number read from a file may have. Dec carries 60 significant digits, so a
 * value within these limits times another (a quantity times a factor or a price: at most 30 +
 * 30 digits) is exact, and what is computed from it after that (sums over rows, a second
 * product) is carried far finer than any currency's minor unit. Beyond them a number is refused,
 * never silently cut. docs/rules.md states them.
 */
export interface DigitLimits {
  readonly integerDigits: number;
  readonly fractionDigits: number;
}

/** Reference data: quantities, prices, percentages, factors, tolerances, tax rates. */
export const REFERENCE_DIGITS: DigitLimits = { integerDigits: 15, fractionDigits: 10 };
/**
 * Usage rows: quantity, unit cost and cost. 40 decimals, as far as a FOCUS or CUR exponent may
 * reach (`1E-40`): vendors write what their floats print (`1.0000000000000001E-10`), and
 * docs/contract.md §3 says such numbers are read exactly.
 */
export const USAGE_DIGITS: DigitLimits = { integerDigits: 15, fractionDigits: 40 };

/** Digits before the decimal point of |value| (0 for 0.5), and the decimals it really has (trailing zeros do not count). */
function digitCounts(value: Dec): { integer: number; fraction: number } {
  return { integer: value.isZero() ? 0 : Math.max(0, value.e + 1), fraction: value.decimalPlaces() };
}

/** Why `value` has more digits than `limits` allow, or undefined. The reason reads after the field name. */
export function digitsProblem(value: Dec, limits: DigitLimits, shown: string = decimalText(value)): string | undefined {
  const { integer, fraction } = digitCounts(value);
  if (integer > limits.integerDigits)
    return `has ${integer} digits before the decimal point; at most ${limits.integerDigits} are allowed (got ${cutText(shown)})`;
  if (fraction > limits.fractionDigits)
    return `has ${plural(fraction, 'decimal place')}; at most ${limits.fractionDigits} are allowed (got ${cutText(shown)})`;
  return undefined;
}

/**
 * Why `amount` is not an amount of money in `currency`, or undefined: a strict decimal (text is
 * parsed as parseDecimal does), at most 15 digits before the point and no more decimals than the
 * currency's minor unit (234.466 GBP is not money: half a penny would stay open on the invoice
 * for ever). Every way payments come in (the data folder, `trueup payments import`) checks this.
 */
export function moneyProblem(amount: string | Dec, currency: string): string | undefined {
  const text = typeof amount === 'string' ? amount.trim() : decimalText(amount);
  const value = typeof amount === 'string' ? parseDecimal(amount) : amount;
  if (value === undefined || !value.isFinite()) return `must be a decimal number like 1250.00 (got ${cutText(text)})`;
  const minor = minorUnits(currency);
  const { integer, fraction } = digitCounts(value);
  if (integer > REFERENCE_DIGITS.integerDigits)
    return `has ${integer} digits before the decimal point; at most ${REFERENCE_DIGITS.integerDigits} are allowed (got ${cutText(text)})`;
  if (fraction > minor) {
    const unit = minor === 0 ? 'no decimals' : plural(minor, 'decimal place');
    return `has ${plural(fraction, 'decimal place')} but ${currency} money has ${unit} (got ${cutText(text)})`;
  }
  return undefined;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function cutText(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

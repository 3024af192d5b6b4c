/**
 * Cell validation shared by the formats. A failed check throws a RowProblem (a plain object,
 * not an Error, so no stack trace is captured per bad row); `convertRow` turns it into a
 * RowRejection. Money and quantities become `Dec` only after a regex has accepted the text.
 */
import { Dec, USAGE_DIGITS, digitsProblem, isPlainDecimal } from '../domain/money.js';
import { periodOf, type IsoDate, type Period } from '../domain/dates.js';
import type { BoundColumn, RowCells, ColumnSpec, RowContext, RowRejection } from './reader-types.js';
import type { UsageRecord } from '../domain/billing-types.js';

export class RowProblem {
  constructor(
    readonly column: string,
    readonly reason: string,
  ) {}
}

export function fail(column: string, reason: string): never {
  throw new RowProblem(column, reason);
}

/**
 * The cell of a bound column: trimmed, the literal `NULL` read as empty (docs/contract.md §3),
 * '' when the optional column is absent. Cells are cleaned here, when a format reads them, so a
 * row costs only the cells its format uses.
 */
export function text(cells: RowCells, column: BoundColumn): string {
  if (column.index < 0) return '';
  const value = (cells[column.index] ?? '').trim();
  return value === 'NULL' ? '' : value;
}

export function required(cells: RowCells, column: BoundColumn): string {
  const value = text(cells, column);
  if (!value) fail(column.key, 'is required');
  return value;
}

export function optional(cells: RowCells, column: BoundColumn): string | undefined {
  return text(cells, column) || undefined;
}

/** Exponents beyond ±40 are not a cost or a quantity; refusing them keeps Dec sizes sane. */
const EXPONENT_DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d{1,2}$/;

export interface DecimalRules {
  /** Quantities of the canonical format must be ≥ 0. */
  readonly nonNegative?: boolean;
  /** AWS writes tiny amounts as `9.984E-7`; only formats whose producer does that allow it. */
  readonly exponent?: boolean;
}

export function toDecimal(column: string, text: string, rules: DecimalRules = {}): Dec {
  // The common case in one pass, without a regex: a plain decimal of at most 14 digits that
  // the rules accept. Anything else takes the checks below, which explain the refusal.
  const key = plainDecimalKey(text);
  if (key >= 0 && (!isNegativeKey(key) || rules.nonNegative !== true)) return cachedByKey(key, text);
  if (!isPlainDecimal(text)) {
    const exponent =
      rules.exponent === true && EXPONENT_DECIMAL.test(text) ? Math.abs(Number(text.split(/[eE]/)[1])) : undefined;
    if (exponent === undefined) fail(column, describeBadDecimal(text));
    if (exponent > 40) fail(column, `"${text}" has an exponent beyond ±40, which is no cost or quantity`);
  }
  if (rules.nonNegative === true && text.charCodeAt(0) === 45 /* - */ && !/^-[0.]*$/.test(text))
    fail(column, `must not be negative (got "${text}")`);
  // Past the fast path's 14 digits: a value with more digits than USAGE_DIGITS would be
  // computed inexactly later, so it is refused here (the fast paths never reach the limits).
  const value = cachedDec(text);
  const tooLong = digitsProblem(value, USAGE_DIGITS, text);
  if (tooLong !== undefined) fail(column, tooLong);
  return value;
}

/**
 * Usage files repeat the same literals (seat counts, unit prices) on row after row, and a
 * decimal.js parse (~400 ns) costs far more than a lookup. Dec is immutable, so one instance per
 * value is shared. A plain decimal of at most 14 digits (every text that reaches here has passed
 * isPlainDecimal or EXPONENT_DECIMAL) is keyed by a number computed exactly from its digits,
 * sign and scale: no string hashing of the freshly split cell, and the integer arithmetic never
 * leaves the safe range (mantissa < 1e14, key < 2^53). Other texts are keyed by the text. Both
 * caches are cleared when full, so memory stays bounded.
 */
const BY_KEY = new Map<number, Dec>();
const BY_TEXT = new Map<string, Dec>();
const DEC_CACHE_MAX = 100_000;
export const MAX_KEYED_DIGITS = 14;

function cachedDec(text: string): Dec {
  const key = plainDecimalKey(text);
  return key < 0 ? cachedByText(text) : cachedByKey(key, text);
}

/**
 * In front of BY_KEY, a small direct-mapped cache of the keys met last: a file's usual
 * literals (seat counts, unit prices) stay in it, so most cells cost one typed-array compare
 * instead of a lookup in a map of up to DEC_CACHE_MAX entries. It holds BY_KEY's instances.
 */
const RECENT_SLOTS = 4096;
const RECENT_KEYS = new Float64Array(RECENT_SLOTS).fill(-1);
const RECENT_VALUES: (Dec | undefined)[] = new Array<Dec | undefined>(RECENT_SLOTS).fill(undefined);

function cachedByKey(key: number, text: string): Dec {
  return decimalOfKey(key, text, 0, text.length);
}

/**
 * The Dec of the plain decimal text[start, end) whose plainDecimalKey is `key` (the caller has
 * validated the text and computed the key): the literal is cut out of `text` only on a miss.
 */
export function decimalOfKey(key: number, text: string, start: number, end: number): Dec {
  // `| 0` keeps the low 32 bits of the integer key (ToInt32), without a floating-point modulo.
  const low = key | 0;
  const slot = (low ^ (low >>> 12) ^ (key / 0x100000000)) & (RECENT_SLOTS - 1);
  if (RECENT_KEYS[slot] === key) return RECENT_VALUES[slot] as Dec;
  let value = BY_KEY.get(key);
  if (value === undefined) {
    if (BY_KEY.size >= DEC_CACHE_MAX) BY_KEY.clear();
    const literal = start === 0 && end === text.length ? text : text.slice(start, end);
    value = smallInteger(literal) ?? new Dec(literal);
    BY_KEY.set(key, value);
  }
  RECENT_KEYS[slot] = key;
  RECENT_VALUES[slot] = value;
  return value;
}

function cachedByText(text: string): Dec {
  let value = BY_TEXT.get(text);
  if (value === undefined) {
    if (BY_TEXT.size >= DEC_CACHE_MAX) BY_TEXT.clear();
    value = new Dec(text);
    BY_TEXT.set(text, value);
  }
  return value;
}

/**
 * ((mantissa * 16 + decimals) * 2 + negative) when text[start, end) is a plain decimal
 * (`[+-]digits[.digits]`, `digits.`, `.digits`, as isPlainDecimal) of at most 14 digits, else
 * -1: the validation and the key in one pass. Distinct texts of the same value (`1.5`, `1.50`)
 * get distinct keys and equal Decs. The last bit is the sign, `key < 32` means the mantissa is zero.
 */
/**
 * True when the key is that of a value below zero (`-0` and `-0.00` are not). The key is an
 * integer below 2^53, so `& 1` (on its low 32 bits) reads its last bit exactly.
 */
export function isNegativeKey(key: number): boolean {
  return (key & 1) === 1 && key >= 32;
}

export function plainDecimalKey(text: string, start = 0, end = text.length): number {
  let at = start;
  let negative = 0;
  const first = start < end ? text.charCodeAt(start) : -1;
  if (first === 45 /* - */) {
    negative = 1;
    at++;
  } else if (first === 43 /* + */) at++;
  let mantissa = 0;
  let digits = 0;
  let decimals = -1;
  for (; at < end; at++) {
    const code = text.charCodeAt(at);
    if (code === 46 /* . */ && decimals < 0) {
      decimals = 0;
      continue;
    }
    const digit = code - 48;
    if (digit < 0 || digit > 9 || ++digits > MAX_KEYED_DIGITS) return -1;
    mantissa = mantissa * 10 + digit;
    if (decimals >= 0) decimals++;
  }
  if (digits === 0) return -1;
  return (mantissa * 16 + (decimals < 0 ? 0 : decimals)) * 2 + negative;
}

function describeBadDecimal(text: string): string {
  if (/^[+-]?[\d.]+[eE][+-]?\d+$/.test(text)) return `"${text}" uses exponent notation; write a plain decimal`;
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/.test(text)) return `"${text}" has thousands separators; write a plain decimal`;
  return `"${cut(text, 40)}" is not a decimal number (digits and one '.', no currency symbol or separators)`;
}

/**
 * decimal.js builds a Dec from a small integer number directly but runs a full string parse
 * otherwise. For up to 7 plain digits the integer is accumulated exactly digit by digit (no
 * float is ever involved: every intermediate is an integer below 1e7).
 */
function smallInteger(text: string): Dec | undefined {
  if (text.length > 7) return undefined;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return new Dec(value);
}

export function decimal(cells: RowCells, column: BoundColumn, rules?: DecimalRules): Dec {
  return toDecimal(column.key, required(cells, column), rules);
}

export function optionalDecimal(cells: RowCells, column: BoundColumn, rules?: DecimalRules): Dec | undefined {
  const value = text(cells, column);
  return value ? toDecimal(column.key, value, rules) : undefined;
}

/** A strict `YYYY-MM-DD` calendar date. */
export function date(cells: RowCells, column: BoundColumn): IsoDate {
  const value = required(cells, column);
  if (!isRealDate(value)) fail(column.key, `"${cut(value, 40)}" is not a real date in YYYY-MM-DD form`);
  return value;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * True when `text` is a real `YYYY-MM-DD` date. Same rule as domain/dates.ts isIsoDate, without
 * building a Date per call: this runs once or twice per usage row.
 */
export function isRealDate(text: string): boolean {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return false;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  if (year < 0 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month] as number));
}

/** The number written by the ASCII digits text[from, to), or -1 if any is not a digit. */
function digits(text: string, from: number, to: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) return -1;
    value = value * 10 + code;
  }
  return value;
}

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?([zZ]| UTC|[+-]\d{2}:?\d{2})?)?$/;

/**
 * The UTC calendar date of a date or timestamp: `2024-09-01`, `2024-09-01 00:00:00`,
 * `2025-01-01T00:00:00Z`, `2023-11-01T00:00:00.000Z`, `2025-01-01T23:30:00-05:00`, and
 * BigQuery's `2024-09-01 00:00:00 UTC` (GCP's FOCUS export). A timestamp without a zone is UTC
 * (FOCUS and CUR are UTC by definition). An offset must be a real one (hours 00–23, minutes
 * 00–59), and the UTC date must still have a 4-digit year.
 */
export function utcDate(cells: RowCells, column: BoundColumn): IsoDate {
  return utcDateOf(required(cells, column), column.key);
}

/** `utcDate` of a cell's text already read (`key` names the column in a refusal). */
export function utcDateOf(text: string, key: string): IsoDate {
  if (text.length === 10 && isRealDate(text)) return text;
  const match = TIMESTAMP.exec(text);
  const day = match?.[1];
  if (!match || day === undefined || !isRealDate(day))
    fail(key, `"${cut(text, 40)}" is not a YYYY-MM-DD date or ISO timestamp`);
  const [hour, minute, second, zone] = [Number(match[2] ?? 0), Number(match[3] ?? 0), Number(match[4] ?? 0), match[5]];
  if (hour > 23 || minute > 59 || second > 60) fail(key, `"${text}" has an impossible time of day`);
  if (zone === undefined || zone === 'Z' || zone === 'z' || zone === ' UTC') return day;
  const digits = zone.slice(1).replace(':', '');
  const [offsetHours, offsetMinutes] = [Number(digits.slice(0, 2)), Number(digits.slice(2))];
  if (offsetHours > 23 || offsetMinutes > 59) fail(key, `"${text}" has an impossible UTC offset`);
  const sign = zone.startsWith('-') ? -1 : 1;
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const utc = new Date(Date.UTC(y, m - 1, d, hour, minute) - sign * (offsetHours * 60 + offsetMinutes) * 60_000)
    .toISOString()
    .slice(0, 10);
  if (!isRealDate(utc)) fail(key, `"${text}" falls outside the years 0000–9999 in UTC`);
  return utc;
}

/**
 * The period a billing-period start names: the month of its date as written. The cell is
 * checked as `utcDate` checks it, but an offset does not move it: `2024-09-01T00:00:00+02:00`
 * starts September, although in UTC it is still August 31st.
 */
export function billingPeriod(cells: RowCells, column: BoundColumn): Period {
  const text = required(cells, column);
  utcDateOf(text, column.key);
  return periodOf(text.slice(0, 10));
}

const CURRENCY = /^[A-Za-z]{3}$/;

export function currency(cells: RowCells, column: BoundColumn): string | undefined {
  const value = text(cells, column);
  if (!value) return undefined;
  if (isUpperCode(value)) return value;
  if (!CURRENCY.test(value)) fail(column.key, `"${cut(value, 40)}" is not a 3-letter currency code`);
  return value.toUpperCase();
}

/** Three letters A–Z: a currency code already as stored (the usual case), without a regex. */
export function isUpperCode(text: string): boolean {
  if (text.length !== 3) return false;
  for (let i = 0; i < 3; i++) {
    const code = text.charCodeAt(i);
    if (code < 65 || code > 90) return false;
  }
  return true;
}

export function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/** Runs a format's conversion, turning a thrown RowProblem into a rejection. */
export function convertRow(ctx: RowContext, convert: () => UsageRecord | null): UsageRecord | RowRejection | null {
  try {
    return convert();
  } catch (error) {
    if (error instanceof RowProblem)
      return { file: ctx.file, line: ctx.line, field: error.column, reason: error.reason };
    throw error;
  }
}

/** The detection most formats use: every required column is present under one of its names. */
export function hasRequiredColumns(
  columns: Readonly<Record<string, ColumnSpec>>,
  headerNames: readonly string[],
): boolean {
  const present = new Set(headerNames);
  return Object.values(columns).every((spec) => spec.required !== true || spec.names.some((name) => present.has(name)));
}

/** Shorthand for a column read under one name. */
export function col(name: string, required = false): ColumnSpec {
  return { names: [name.toLowerCase()], required };
}

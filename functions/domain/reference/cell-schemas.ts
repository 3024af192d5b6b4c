/**
 * Cell rules shared by the reference files, as zod schemas over the cell text.
 *
 * A cell reaches these schemas trimmed, and `undefined` when it was empty or the literal
 * `NULL`. Each schema turns the text into its typed value or adds one issue whose message
 * reads after the column name: `must be a decimal number ≥ 0 (got "abc")`.
 */
import { z } from 'zod';
import { Dec, REFERENCE_DIGITS, digitsProblem, parseDecimal, type DigitLimits } from '../money.js';
import { isIsoDate, type IsoDate } from '../dates.js';
import { unicodeEscape } from '../../text/control-characters.js';

/** A conversion either gives a value or says why not. */
export type Conversion<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const accept = <T>(value: T): Conversion<T> => ({ ok: true, value });
const reject = <T>(reason: string): Conversion<T> => ({ ok: false, reason });

/** Quotes a value for a message: JSON escapes (so a control character is visible, C1 and U+2028/9 too), cut at 40. */
export function quote(text: string): string {
  const cut = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(cut).replace(/[\u007f-\u009f\u2028\u2029]/g, unicodeEscape);
}

/**
 * Text that would break a single-line field (names, emails, ids): line breaks (CR, LF, NEL and
 * the Unicode line and paragraph separators), NUL and other C0 controls, DEL, C1 controls, and
 * U+FFFD, which is what an undecodable byte became.
 */
export function lineProblem(text: string): string | undefined {
  if (/[\r\n\u0085\u2028\u2029]/.test(text)) return `must be on one line (got ${quote(text)})`;
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.exec(text);
  if (control)
    return `contains the control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} (got ${quote(text)})`;
  if (text.includes('\t')) return `contains a tab character (got ${quote(text)})`;
  if (text.includes('\ufffd')) {
    return `contains a byte that is not valid UTF-8 (got ${quote(text)}): save the file as "CSV UTF-8" or UTF-16 with a byte-order mark`;
  }
  return undefined;
}

/**
 * A required cell: `undefined` gives "is required", anything else goes through `convert`
 * after the single-line check. Make it optional with `.optional()`.
 */
export function cell<T>(convert: (text: string) => Conversion<T>) {
  return z.string({ error: 'is required' }).transform((text, ctx): T => {
    const bad = lineProblem(text);
    const result = bad === undefined ? convert(text) : reject<T>(bad);
    if (!result.ok) {
      ctx.addIssue({ code: 'custom', message: result.reason, input: text });
      return z.NEVER;
    }
    return result.value;
  });
}

const MAX_TEXT = 500;

/** Free single-line text (names, descriptions), kept verbatim: escaping happens at output. */
export const text = (max = MAX_TEXT) =>
  cell((value) =>
    value.length <= max ? accept(value) : reject<string>(`must be at most ${max} characters (got ${value.length})`),
  );

const ID = /^[A-Za-z0-9._-]{1,64}$/;
/**
 * A client id: 1–64 of `A-Za-z0-9._-`, starting with a letter or digit (docs/contract.md §2), so
 * that no CSV ever has to alter an id to keep a spreadsheet from reading it as a formula.
 */
export const clientId = () =>
  cell((value) => {
    if (!ID.test(value))
      return reject<string>(`must be 1–64 characters of A–Z, a–z, 0–9, ".", "_" or "-" (got ${quote(value)})`);
    if (!/^[A-Za-z0-9]/.test(value)) return reject<string>(`must start with a letter or a digit (got ${quote(value)})`);
    return accept(value);
  });

/** A key naming something (sku, agreement id, account id, payment id): one line, at most 128 characters. */
export const key = () => text(128);

/** A vendor key: lower-cased (docs/contract.md §1). */
export const vendor = () =>
  cell((value) =>
    value.length <= 64
      ? accept(value.toLowerCase())
      : reject<string>(`must be at most 64 characters (got ${value.length})`),
  );

/** Pragmatic address check: ASCII local part and a dotted domain, as mail servers accept them. */
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/**
 * True for an address the mailer sends as one plain address: nodemailer's composer writes it
 * as it is (its address parser gives it back unchanged for every character EMAIL allows), and
 * what reads the header back decodes it as it is. `=?` opens an RFC 2047 encoded word
 * (`=?utf-8?b?…?=`): SES and mail parsers decode it into some other text (another address, a
 * list, nothing), so the send fails or goes elsewhere; such an address is refused.
 */
export function isEmail(value: string): boolean {
  return (
    value.length <= 254 &&
    EMAIL.test(value) &&
    !value.startsWith('.') &&
    !value.includes('..') &&
    !/\.@/.test(value) &&
    !value.includes('=?')
  );
}

export function emailProblem(value: string): string {
  if (EMAIL.test(value.trim()) && value.includes('=?')) {
    return `must be a plain email address like ap@client.example (got ${quote(value)}): "=?" starts an encoded word (RFC 2047), which mail servers decode into other text`;
  }
  const hint = /[,\s]/.test(value.trim()) ? ': separate several addresses with ";"' : '';
  return `must be an email address like ap@client.example (got ${quote(value)})${hint}`;
}

/** One email address. */
export const email = () => cell((value) => (isEmail(value) ? accept(value) : reject<string>(emailProblem(value))));

/** One or more `;`-separated addresses; empty parts (a trailing `;`) and repeats are dropped. */
export const emails = () =>
  cell((value) => {
    const parts = value
      .split(';')
      .map((part) => part.trim())
      .filter((part) => part !== '');
    const bad = parts.find((part) => !isEmail(part));
    if (bad !== undefined) return reject<string[]>(emailProblem(parts.length > 1 ? bad : value));
    if (parts.length === 0) return reject<string[]>('must list at least one email address');
    const seen = new Set<string>();
    return accept(
      parts.filter((part) => {
        const folded = part.toLowerCase();
        if (seen.has(folded)) return false;
        seen.add(folded);
        return true;
      }),
    );
  });

let knownCurrencies: ReadonlySet<string> | undefined;
function isKnownCurrency(code: string): boolean {
  if (knownCurrencies === undefined) {
    const supported = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
    knownCurrencies = new Set(supported ? supported('currency') : []);
  }
  return knownCurrencies.size === 0 || knownCurrencies.has(code);
}

/** Why `code` is not an ISO 4217 currency code, or undefined when it is one. */
export function currencyProblem(code: string): string | undefined {
  if (!/^[A-Z]{3}$/.test(code)) {
    const hint = /^[a-zA-Z]{3}$/.test(code) ? ` (write ${code.toUpperCase()})` : '';
    return `must be a 3-letter ISO 4217 currency code in capitals like EUR (got ${quote(code)})${hint}`;
  }
  if (!isKnownCurrency(code)) return `is not an ISO 4217 currency code (got ${quote(code)})`;
  return undefined;
}

export const currency = () =>
  cell((value) => {
    const bad = currencyProblem(value);
    return bad === undefined ? accept(value) : reject<string>(bad);
  });

export interface DecimalBounds {
  /** Inclusive lower bound. */
  readonly min?: number;
  /** Exclusive lower bound. */
  readonly above?: number;
  /** Inclusive upper bound. */
  readonly max?: number;
  /** Most digits before and after the point (default REFERENCE_DIGITS); `false` for a check made elsewhere (money, by currency). */
  readonly digits?: DigitLimits | false;
}

function describeBounds(bounds: DecimalBounds): string {
  const parts: string[] = [];
  if (bounds.min !== undefined) parts.push(`≥ ${bounds.min}`);
  if (bounds.above !== undefined) parts.push(`> ${bounds.above}`);
  if (bounds.max !== undefined) parts.push(`≤ ${bounds.max}`);
  return parts.length === 0 ? '' : ` ${parts.join(' and ')}`;
}

function decimalHint(value: string): string {
  if (/^[+-]?[\d.]+[eE][+-]?\d+$/.test(value)) return ': write it without exponent notation';
  if (/^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$/.test(value)) return ': write it without thousands separators';
  if (/^[+-]?\d*,\d+$/.test(value)) return ': use "." as the decimal point';
  if (/^[+-]?\p{Sc}|\p{Sc}$/u.test(value)) return ': write the number without a currency symbol';
  return '';
}

/** Why `value` is not a decimal within `bounds`, or the Dec. `.` decimal point, no exponent, no separators. */
export function toDecimal(value: string, bounds: DecimalBounds = {}): Conversion<Dec> {
  const parsed = parseDecimal(value);
  const expected = `must be a decimal number${describeBounds(bounds)} (got ${quote(value)})`;
  if (parsed === undefined) return reject(expected + decimalHint(value));
  if (bounds.min !== undefined && parsed.lessThan(bounds.min)) return reject(expected);
  if (bounds.above !== undefined && parsed.lessThanOrEqualTo(bounds.above)) return reject(expected);
  if (bounds.max !== undefined && parsed.greaterThan(bounds.max)) return reject(expected);
  const tooLong = bounds.digits === false ? undefined : digitsProblem(parsed, bounds.digits ?? REFERENCE_DIGITS, value);
  if (tooLong !== undefined) return reject(tooLong);
  // -0 and 0 are the same amount; keep the sign out of later formatting.
  return accept(parsed.isZero() ? new Dec(0) : parsed);
}

export const decimal = (bounds: DecimalBounds = {}) => cell((value) => toDecimal(value, bounds));

/** A whole number within [min, max]. */
export const wholeNumber = (min: number, max: number) =>
  cell((value) => {
    const n = /^[+-]?\d{1,9}$/.test(value) ? Number(value) : Number.NaN;
    return Number.isInteger(n) && n >= min && n <= max
      ? accept(n === 0 ? 0 : n)
      : reject<number>(`must be a whole number from ${min} to ${max} (got ${quote(value)})`);
  });

/** A real calendar date `YYYY-MM-DD`. */
export const date = () =>
  cell((value): Conversion<IsoDate> => {
    if (isIsoDate(value)) return accept(value);
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return reject(`is not a real calendar date (got ${quote(value)})`);
    return reject(`must be a date written YYYY-MM-DD (got ${quote(value)})`);
  });

/** One of a few words, matched case-insensitively and given back in the listed spelling. */
export const oneOf = <const T extends string>(values: readonly T[]) =>
  cell((value) => {
    const found = values.find((candidate) => candidate === value.toLowerCase());
    return found !== undefined ? accept(found) : reject<T>(`must be one of ${values.join(', ')} (got ${quote(value)})`);
  });

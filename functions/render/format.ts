/**
 * Numbers and dates as people read them on client documents (invoice PDF and HTML, email
 * bodies), in the locale of `settings.locale` (default en-US): `1,234.50`, `Mar 31, 2026`,
 * `March 2026`. The JSON and CSV outputs keep their plain forms (`1234.50`, `2026-03-31`).
 *
 * Money and quantities stay exact: the digits come from Dec's own text, and Intl only supplies
 * the locale's separators and grouping (it groups the integer part as a BigInt, never a float).
 * Digits are always Latin (0–9), whatever the locale's default numbering system.
 */
import { decimalText, formatMoney, roundHalfAway, type Dec } from '../domain/money.js';
import type { PaperSize, Settings } from '../domain/billing-types.js';

export const DEFAULT_LOCALE = 'en-US';

/** Regions whose paper is Letter; everywhere else uses A4. */
const LETTER_REGIONS = new Set(['US', 'CA', 'MX', 'PR', 'PH', 'CL', 'CO', 'VE']);

/** Quantities are shown with at most this many decimals (the JSON keeps every digit). */
export const QUANTITY_DECIMALS = 4;

export function localeOf(settings: Pick<Settings, 'locale'>): string {
  return settings.locale ?? DEFAULT_LOCALE;
}

/** The paper size set in `invoice.paperSize`, else Letter for US and Canadian locales, A4 otherwise. */
export function paperSizeOf(settings: Pick<Settings, 'locale' | 'invoice'>): PaperSize {
  if (settings.invoice.paperSize) return settings.invoice.paperSize;
  const region = new Intl.Locale(localeOf(settings)).maximize().region ?? '';
  return LETTER_REGIONS.has(region) ? 'Letter' : 'A4';
}

export interface Formats {
  readonly locale: string;
  /** An amount with the currency's minor digits and the locale's separators: `1,234.50`. */
  money(value: Dec, currency: string): string;
  /** The same with the currency code in front: `USD 1,234.50`. */
  moneyWithCode(value: Dec, currency: string): string;
  /** A quantity without trailing zeros, rounded to QUANTITY_DECIMALS: `1,250`, `12.3457`. */
  quantity(value: Dec): string;
  /** Plain decimal text (`-1234.5`) with the locale's grouping and separator: `-1,234.5`. */
  decimal(text: string): string;
  /** A percentage: `8.25%`. */
  percent(value: Dec): string;
  /** An ISO date: `Mar 31, 2026` (en-US), `31 Mar 2026` (en-GB). */
  date(iso: string): string;
  /** A period `YYYY-MM`: `March 2026`; anything else as given. */
  period(period: string): string;
}

const cache = new Map<string, Formats>();

export function formatsFor(locale: string = DEFAULT_LOCALE): Formats {
  let formats = cache.get(locale);
  if (!formats) {
    formats = makeFormats(locale);
    cache.set(locale, formats);
  }
  return formats;
}

function makeFormats(locale: string): Formats {
  const integers = new Intl.NumberFormat(locale, {
    numberingSystem: 'latn',
    useGrouping: true,
    maximumFractionDigits: 0,
  });
  const decimalSeparator =
    new Intl.NumberFormat(locale, { numberingSystem: 'latn' }).formatToParts(1.5).find((p) => p.type === 'decimal')
      ?.value ?? '.';
  const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC', numberingSystem: 'latn' });
  const months = new Intl.DateTimeFormat(locale, {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
    numberingSystem: 'latn',
  });

  /** Plain decimal text (`-1234.5`) with the locale's grouping and decimal separator. */
  const localize = (text: string): string => {
    const negative = text.startsWith('-');
    const [whole = '0', fraction] = (negative ? text.slice(1) : text).split('.');
    const grouped = integers.format(BigInt(whole));
    return `${negative ? '-' : ''}${grouped}${fraction !== undefined ? `${decimalSeparator}${fraction}` : ''}`;
  };
  const plain = (value: Dec): string => {
    const text = decimalText(value);
    return text === '-0' ? '0' : text;
  };

  return {
    locale,
    money: (value, currency) => localize(formatMoney(value, currency)),
    moneyWithCode: (value, currency) => `${currency} ${localize(formatMoney(value, currency))}`,
    decimal: localize,
    quantity: (value) => localize(plain(roundHalfAway(value, QUANTITY_DECIMALS))),
    percent: (value) => `${localize(plain(value))}%`,
    date: (iso) => (/^\d{4}-\d{2}-\d{2}$/.test(iso) ? dates.format(new Date(`${iso}T00:00:00Z`)) : iso),
    period: (period) =>
      /^\d{4}-(0[1-9]|1[0-2])$/.test(period) ? months.format(new Date(`${period}-01T00:00:00Z`)) : period,
  };
}

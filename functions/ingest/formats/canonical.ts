/**
 * Canonical usage (docs/contract.md §3), as CSV or as NDJSON with the same field names.
 *
 * Decisions:
 * - vendor, account_id, vendor_sku, quantity and usage_date are required; vendor is lower-cased.
 * - quantity is a plain decimal ≥ 0: no exponent (`1e3`), no thousands separators.
 * - usage_date is a strict `YYYY-MM-DD` calendar date (no timestamps); period = its month.
 * - unit_cost and cost are optional plain decimals and may be negative (credits).
 * - currency is optional, 3 letters, upper-cased; reference is optional and drives duplicate-row detection.
 */
import { periodOf } from '../../domain/dates.js';
import {
  col,
  convertRow,
  currency,
  date,
  decimal,
  hasRequiredColumns,
  isRealDate,
  isUpperCode,
  optional,
  optionalDecimal,
  required,
} from '../row-cells.js';
import { Interner } from '../interner.js';
import { PlainLine } from '../plain-line.js';
import { MAX_KEY_LENGTH, MAX_VENDOR_LENGTH } from '../record-keys.js';
import type { UsageFormat } from '../reader-types.js';

const columns = {
  vendor: col('vendor', true),
  account_id: col('account_id', true),
  vendor_sku: col('vendor_sku', true),
  quantity: col('quantity', true),
  usage_date: col('usage_date', true),
  unit_cost: col('unit_cost'),
  cost: col('cost'),
  currency: col('currency'),
  reference: col('reference'),
};

export const canonical: UsageFormat<keyof typeof columns> = {
  name: 'canonical',
  description: 'canonical CSV/NDJSON (vendor, account_id, vendor_sku, quantity, usage_date)',
  columns,
  detect: (headerNames) => hasRequiredColumns(columns, headerNames),
  bind: (c) => (row, ctx) =>
    convertRow(ctx, () => {
      const usageDate = date(row, c.usage_date);
      return {
        vendor: required(row, c.vendor).toLowerCase(),
        accountId: required(row, c.account_id),
        vendorSku: required(row, c.vendor_sku),
        quantity: decimal(row, c.quantity, { nonNegative: true }),
        usageDate,
        period: periodOf(usageDate),
        unitCost: optionalDecimal(row, c.unit_cost),
        cost: optionalDecimal(row, c.cost),
        currency: currency(row, c.currency),
        reference: optional(row, c.reference),
        source: ctx,
      };
    }),
  bindLine: (c, width) => {
    // Two columns on one cell is not a shape worth a fast lane.
    const indexes = Object.values(c)
      .map((column) => column.index)
      .filter((index) => index >= 0);
    if (indexes.some((index) => index >= width) || new Set(indexes).size !== indexes.length) return undefined;
    const line = new PlainLine(width);
    // Values that repeat row after row, each derived once: a vendor's lower-case form, a date's
    // period (undefined for a date that is not real), whether a currency is already upper-case.
    const periods = new Map<string, string>();
    const vendors = new Interner((vendor) => vendor.toLowerCase());
    const keys = new Interner(() => undefined);
    const dates = new Interner((date) => (isRealDate(date) ? interned(periods, periodOf(date)) : undefined));
    const codes = new Interner(isUpperCode);
    const at = {
      vendor: c.vendor.index,
      accountId: c.account_id.index,
      vendorSku: c.vendor_sku.index,
      quantity: c.quantity.index,
      usageDate: c.usage_date.index,
      unitCost: c.unit_cost.index,
      cost: c.cost.index,
      currency: c.currency.index,
      reference: c.reference.index,
    };
    // Anything short of plainly valid is left to `bind`'s conversion, which explains it.
    return (text, start, stop, ctx) => {
      if (!line.split(text, start, stop)) return undefined;
      // An entry number is read at once: the next lookup in its interner may start it over.
      const vendor = line.entry(at.vendor, vendors, MAX_VENDOR_LENGTH);
      if (vendor < 0) return undefined;
      const vendorLower = vendors.value(vendor);
      const account = line.entry(at.accountId, keys, MAX_KEY_LENGTH);
      if (account < 0) return undefined;
      const accountId = keys.text(account);
      const sku = line.entry(at.vendorSku, keys, MAX_KEY_LENGTH);
      if (sku < 0) return undefined;
      const vendorSku = keys.text(sku);
      const date = line.entry(at.usageDate, dates, DATE_LENGTH);
      const period = date < 0 ? undefined : dates.value(date);
      if (period === undefined) return undefined;
      const usageDate = dates.text(date);
      const code = line.entry(at.currency, codes, CODE_LENGTH);
      if (code === -2 || (code >= 0 && !codes.value(code))) return undefined;
      const currency = code < 0 ? undefined : codes.text(code);
      const quantity = line.decimal(at.quantity, true);
      const unitCost = line.decimal(at.unitCost, false);
      const cost = line.decimal(at.cost, false);
      const reference = line.text(at.reference, MAX_KEY_LENGTH);
      if (!quantity || unitCost === null || cost === null || reference === null) return undefined;
      return {
        vendor: vendorLower,
        accountId,
        vendorSku,
        quantity,
        usageDate,
        period,
        unitCost,
        cost,
        currency,
        reference: reference || undefined,
        source: ctx,
      };
    };
  },
};

const DATE_LENGTH = 10;
const CODE_LENGTH = 3;

function interned(known: Map<string, string>, text: string): string {
  const kept = known.get(text);
  if (kept !== undefined) return kept;
  if (known.size >= 4096) known.clear();
  known.set(text, text);
  return text;
}

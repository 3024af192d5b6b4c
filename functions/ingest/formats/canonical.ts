/**
 * Canonical usage (SPEC.md section 3), as CSV or as NDJSON with the same field names.
 *
 * Decisions:
 * - vendor, account_id, vendor_sku, quantity and usage_date are required; vendor is lower-cased.
 * - quantity is a plain decimal ≥ 0: no exponent (`1e3`), no thousands separators.
 * - usage_date is a strict `YYYY-MM-DD` calendar date (no timestamps); period = its month.
 * - unit_cost and cost are optional plain decimals and may be negative (credits).
 * - currency is optional, 3 letters, upper-cased; reference is optional and drives duplicate-row detection.
 */
import { periodOf } from '../../domain/dates.js';
import { col, convertRow, currency, date, decimal, hasRequiredColumns, optional, optionalDecimal, required } from '../cells.js';
import type { UsageFormat } from '../types.js';

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
  bind: (c) => (row, ctx) => convertRow(ctx, () => {
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
};

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
import type { Dec } from '../../domain/money.js';
import { col, convertRow, currency, date, decimal, hasRequiredColumns, isRealDate, isUpperCode, optional, optionalDecimal, required } from '../cells.js';
import { PlainLine } from '../plain-line.js';
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
  bindLine: (c, width) => {
    // What each cell of the line is; two columns on one cell is not a shape worth a fast lane.
    const roles = new Uint8Array(width);
    for (const [key, column] of Object.entries(c)) {
      if (column.index < 0) continue;
      if (column.index >= width || roles[column.index] !== NONE) return undefined;
      roles[column.index] = ROLES[key as keyof typeof columns];
    }
    const line = new PlainLine();
    // The vendor cell repeats row after row: its lower-case form is kept for the next row.
    let vendorCell = '';
    let vendorLower = '';
    return (text, start, stop, ctx) => {
      line.reset(text, start, stop);
      let vendor: string | null = '';
      let accountId: string | null = '';
      let vendorSku: string | null = '';
      let usageDate: string | null = '';
      let code: string | null = '';
      let reference: string | null = '';
      let quantity: Dec | undefined | null;
      let unitCost: Dec | undefined | null;
      let cost: Dec | undefined | null;
      for (let i = 0; i < width; i++) {
        switch (roles[i]) {
          case VENDOR: vendor = line.text(); break;
          case ACCOUNT: accountId = line.text(); break;
          case SKU: vendorSku = line.text(); break;
          case QUANTITY: quantity = line.decimal(true); break;
          case DATE: usageDate = line.text(); break;
          case UNIT_COST: unitCost = line.decimal(false); break;
          case COST: cost = line.decimal(false); break;
          case CURRENCY: code = line.text(); break;
          case REFERENCE: reference = line.text(); break;
          default: line.skip();
        }
      }
      // Anything short of plainly valid is left to `bind`'s conversion, which explains it.
      if (!line.complete() || !vendor || !accountId || !vendorSku || !quantity || !usageDate || !isRealDate(usageDate)
        || unitCost === null || cost === null || code === null || reference === null || (code !== '' && !isUpperCode(code))) return undefined;
      if (vendor !== vendorCell) {
        vendorCell = vendor;
        vendorLower = vendor.toLowerCase();
      }
      return {
        vendor: vendorLower,
        accountId,
        vendorSku,
        quantity,
        usageDate,
        period: periodOf(usageDate),
        unitCost,
        cost,
        currency: code || undefined,
        reference: reference || undefined,
        source: ctx,
      };
    };
  },
};

const [NONE, VENDOR, ACCOUNT, SKU, QUANTITY, DATE, UNIT_COST, COST, CURRENCY, REFERENCE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;
const ROLES: Record<keyof typeof columns, number> = {
  vendor: VENDOR, account_id: ACCOUNT, vendor_sku: SKU, quantity: QUANTITY, usage_date: DATE,
  unit_cost: UNIT_COST, cost: COST, currency: CURRENCY, reference: REFERENCE,
};

/**
 * Pax8 invoice items, as CSV (or NDJSON) with the Pax8 API's field names.
 *
 * Decisions:
 * - Detected by companyId, sku, quantity, startPeriod.
 * - vendor `pax8`; account = companyId; vendorSku = sku; quantity a plain decimal (negative
 *   allowed: Pax8 credits items).
 * - usageDate = startPeriod (date or ISO timestamp, UTC); period = its month.
 * - unitCost = cost, cost = costTotal, currency = currencyCode (all optional).
 * - reference = id when the export has it (the API's invoice-item id, unique per item).
 */
import { periodOf } from '../../domain/dates.js';
import {
  col,
  convertRow,
  currency,
  decimal,
  hasRequiredColumns,
  optional,
  optionalDecimal,
  required,
  utcDate,
} from '../row-cells.js';
import type { UsageFormat } from '../reader-types.js';

const columns = {
  companyId: col('companyId', true),
  sku: col('sku', true),
  quantity: col('quantity', true),
  startPeriod: col('startPeriod', true),
  cost: col('cost'),
  costTotal: col('costTotal'),
  currencyCode: col('currencyCode'),
  id: col('id'),
};

export const pax8: UsageFormat<keyof typeof columns> = {
  name: 'pax8',
  description: 'Pax8 invoice items (companyId, sku, quantity, startPeriod)',
  columns,
  detect: (headerNames) => hasRequiredColumns(columns, headerNames),
  bind: (c) => (row, ctx) =>
    convertRow(ctx, () => {
      const usageDate = utcDate(row, c.startPeriod);
      return {
        vendor: 'pax8',
        accountId: required(row, c.companyId),
        vendorSku: required(row, c.sku),
        quantity: decimal(row, c.quantity),
        usageDate,
        period: periodOf(usageDate),
        unitCost: optionalDecimal(row, c.cost),
        cost: optionalDecimal(row, c.costTotal),
        currency: currency(row, c.currencyCode),
        reference: optional(row, c.id),
        source: ctx,
      };
    }),
};

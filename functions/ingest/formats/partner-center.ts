/**
 * Microsoft Partner Center new-commerce invoice reconciliation, CSV export (PascalCase
 * attribute names of the billedReconciliation/unbilledReconciliation exports, Full or Basic).
 *
 * Decisions:
 * - Detected by PartnerId, CustomerId, ProductId, SkuId, ChargeType, ChargeStartDate and at
 *   least one of BillableQuantity / Quantity (the Basic set has no Quantity).
 * - vendor `microsoft`; account = CustomerId; vendorSku = `ProductId:SkuId`.
 * - quantity = BillableQuantity, or Quantity when that cell is empty. Plain decimal; negative
 *   allowed because refunds (cancellations) come as negative lines.
 * - Every ChargeType is read (new, renew, cycleCharge, cancelImmediate …): the reconciliation
 *   decides what they mean. Tax lives in its own TaxTotal column and is ignored.
 * - usageDate = UTC date of ChargeStartDate; period = its month. Dates must be ISO
 *   (`2025-02-01` or `2025-02-01T00:00:00Z`); `2/1/2025` is rejected (SPEC section 2).
 * - unitCost = EffectiveUnitPrice, cost = Subtotal, currency = Currency (all optional).
 * - No reference: the export has no per-line id.
 */
import { periodOf } from '../../domain/dates.js';
import { col, convertRow, currency, decimal, hasRequiredColumns, optionalDecimal, required, text, utcDate } from '../cells.js';
import type { UsageFormat } from '../types.js';

const columns = {
  PartnerId: col('PartnerId', true),
  CustomerId: col('CustomerId', true),
  ProductId: col('ProductId', true),
  SkuId: col('SkuId', true),
  ChargeType: col('ChargeType', true),
  ChargeStartDate: col('ChargeStartDate', true),
  BillableQuantity: col('BillableQuantity'),
  Quantity: col('Quantity'),
  EffectiveUnitPrice: col('EffectiveUnitPrice'),
  Subtotal: col('Subtotal'),
  Currency: col('Currency'),
};

export const partnerCenter: UsageFormat<keyof typeof columns> = {
  name: 'partner-center',
  description: 'Microsoft Partner Center new-commerce reconciliation CSV (PartnerId, CustomerId, ProductId, SkuId, ChargeType, ChargeStartDate, BillableQuantity or Quantity)',
  columns,
  detect: (headerNames) =>
    hasRequiredColumns(columns, headerNames) && (headerNames.includes('billablequantity') || headerNames.includes('quantity')),
  bind: (c) => (row, ctx) => convertRow(ctx, () => {
    const usageDate = utcDate(row, c.ChargeStartDate);
    return {
      vendor: 'microsoft',
      accountId: required(row, c.CustomerId),
      vendorSku: `${required(row, c.ProductId)}:${required(row, c.SkuId)}`,
      quantity: text(row, c.BillableQuantity) ? decimal(row, c.BillableQuantity) : decimal(row, c.Quantity),
      usageDate,
      period: periodOf(usageDate),
      unitCost: optionalDecimal(row, c.EffectiveUnitPrice),
      cost: optionalDecimal(row, c.Subtotal),
      currency: currency(row, c.Currency),
      source: ctx,
    };
  }),
};

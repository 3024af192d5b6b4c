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
import { col, convertRow, currency, decimal, hasRequiredColumns, optionalDecimal, required, utcDate } from '../cells.js';
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

export const partnerCenter: UsageFormat = {
  name: 'partner-center',
  description: 'Microsoft Partner Center new-commerce reconciliation CSV (PartnerId, CustomerId, ProductId, SkuId, ChargeType, ChargeStartDate, BillableQuantity or Quantity)',
  columns,
  detect: (headerNames) =>
    hasRequiredColumns(columns, headerNames) && (headerNames.includes('billablequantity') || headerNames.includes('quantity')),
  toRecord: (row, ctx) => convertRow(ctx, () => {
    const usageDate = utcDate(row, 'ChargeStartDate');
    return {
      vendor: 'microsoft',
      accountId: required(row, 'CustomerId'),
      vendorSku: `${required(row, 'ProductId')}:${required(row, 'SkuId')}`,
      quantity: row.BillableQuantity ? decimal(row, 'BillableQuantity') : decimal(row, 'Quantity'),
      usageDate,
      period: periodOf(usageDate),
      unitCost: optionalDecimal(row, 'EffectiveUnitPrice'),
      cost: optionalDecimal(row, 'Subtotal'),
      currency: currency(row, 'Currency'),
      source: { file: ctx.file, line: ctx.line },
    };
  }),
};

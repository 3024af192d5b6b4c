/**
 * FOCUS 1.x cost and usage exports (FinOps Foundation).
 *
 * Decisions:
 * - Detected when BilledCost, ChargePeriodStart, SubAccountId, SkuId, PricingQuantity,
 *   ChargeCategory, ProviderName, BillingPeriodStart and BillingCurrency are all present.
 * - Tax rows (ChargeCategory `Tax`) are skipped: docs/contract.md §3 excludes their cost and they carry no
 *   usage. They count as accepted (and in rowsSkipped), never as records.
 * - Usage and Purchase rows: quantity = PricingQuantity. Other categories (Credit, Adjustment):
 *   quantity 0, but their BilledCost still counts as cost. FOCUS lets a correction to an invoiced
 *   period (ChargeClass `Correction`) leave PricingQuantity null: such a row has quantity 0 and
 *   its BilledCost counts, where any other Usage or Purchase row without it is rejected.
 * - Numbers follow FOCUS NumericFormat: decimals, sign allowed (corrections are negative), and
 *   E notation (`1.5E-7`, which the format allows), parsed exactly; `$10,100.00` is rejected.
 * - usageDate = UTC date of ChargePeriodStart; period = month of BillingPeriodStart as written
 *   (an offset does not move a billing period into the month before). Timestamps
 *   `2024-09-01 00:00:00` without a zone, or with BigQuery's ` UTC`, are UTC. `5/1/25` is rejected.
 * - vendor = ProviderName lower-cased; account = SubAccountId; vendorSku = SkuId (all required).
 * - No reference: FOCUS 1.x has no line id (the sample's `Id` column is not FOCUS).
 */
import { ZERO } from '../../domain/money.js';
import {
  billingPeriod,
  col,
  convertRow,
  currency,
  decimal,
  hasRequiredColumns,
  required,
  text,
  utcDate,
} from '../row-cells.js';
import type { BoundColumn, RowCells, UsageFormat } from '../reader-types.js';

const columns = {
  BilledCost: col('BilledCost', true),
  ChargePeriodStart: col('ChargePeriodStart', true),
  SubAccountId: col('SubAccountId', true),
  SkuId: col('SkuId', true),
  PricingQuantity: col('PricingQuantity', true),
  ChargeCategory: col('ChargeCategory', true),
  ProviderName: col('ProviderName', true),
  BillingPeriodStart: col('BillingPeriodStart', true),
  BillingCurrency: col('BillingCurrency', true),
  ChargeClass: col('ChargeClass'),
};

const QUANTITY_CATEGORIES = new Set(['usage', 'purchase']);
/** A correction to an invoiced period with no PricingQuantity, which FOCUS allows. */
function isQuantityFreeCorrection(row: RowCells, quantity: BoundColumn, chargeClass: BoundColumn): boolean {
  return text(row, quantity) === '' && text(row, chargeClass).toLowerCase() === 'correction';
}

/** FOCUS NumericFormat allows E notation (`mEn`). */
const FOCUS_NUMBER = { exponent: true } as const;

export const focus: UsageFormat<keyof typeof columns> = {
  name: 'focus',
  description:
    'FOCUS 1.x (BilledCost, ChargePeriodStart, SubAccountId, SkuId, PricingQuantity, ChargeCategory, ProviderName, BillingPeriodStart, BillingCurrency)',
  columns,
  detect: (headerNames) => hasRequiredColumns(columns, headerNames),
  bind: (c) => (row, ctx) =>
    convertRow(ctx, () => {
      const category = required(row, c.ChargeCategory).toLowerCase();
      if (category === 'tax') return null;
      const vendor = required(row, c.ProviderName).toLowerCase();
      const accountId = required(row, c.SubAccountId);
      const vendorSku = required(row, c.SkuId);
      const quantity =
        QUANTITY_CATEGORIES.has(category) && !isQuantityFreeCorrection(row, c.PricingQuantity, c.ChargeClass)
          ? decimal(row, c.PricingQuantity, FOCUS_NUMBER)
          : ZERO;
      const usageDate = utcDate(row, c.ChargePeriodStart);
      return {
        vendor,
        accountId,
        vendorSku,
        quantity,
        usageDate,
        period: billingPeriod(row, c.BillingPeriodStart),
        cost: decimal(row, c.BilledCost, FOCUS_NUMBER),
        currency: currency(row, c.BillingCurrency),
        source: ctx,
      };
    }),
};

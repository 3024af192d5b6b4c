/**
 * AWS Cost and Usage Report: legacy CUR (`lineItem/UsageAccountId` …) and CUR 2.0
 * (`line_item_usage_account_id` …). One format: each column is accepted under both names.
 *
 * Decisions:
 * - Detected by usage account id, product code, usage type, usage amount, usage start date and
 *   unblended cost (either spelling).
 * - Tax lines (LineItemType `Tax`) are skipped: docs/contract.md §3 excludes their cost and they carry no usage
 *   (accepted, counted in rowsSkipped, no record).
 * - Usage lines (Usage, DiscountedUsage, SavingsPlanCoveredUsage; and every line when the file
 *   has no line-item-type column, as in CUR 2.0 extracts): quantity = usage amount. Other lines
 *   (Fee, RIFee, Credit, Refund, SavingsPlanNegation …): quantity 0, cost still counted; when
 *   such a line has no usage type its vendorSku is `ProductCode:LineItemType`.
 * - Numbers may use exponent notation (`9.984E-7`): AWS writes them so in real exports; they
 *   are parsed exactly by Dec, never as floats.
 * - usageDate = UTC date of the usage start; period = month of the billing period start as
 *   written when present (an offset does not move it), else of the usage date.
 * - vendor `aws`; vendorSku = `ProductCode:UsageType`.
 * - No reference: identity/LineItemId repeats across time intervals (269 times in the sample).
 */
import { periodOf } from '../../domain/dates.js';
import { ZERO } from '../../domain/money.js';
import {
  billingPeriod,
  convertRow,
  currency,
  decimal,
  hasRequiredColumns,
  optional,
  optionalDecimal,
  required,
  text,
  utcDate,
} from '../row-cells.js';
import type { ColumnSpec, UsageFormat } from '../reader-types.js';

function cur(legacy: string, cur2: string, isRequired = false): ColumnSpec {
  return { names: [legacy.toLowerCase(), cur2], required: isRequired };
}

const columns = {
  UsageAccountId: cur('lineItem/UsageAccountId', 'line_item_usage_account_id', true),
  ProductCode: cur('lineItem/ProductCode', 'line_item_product_code', true),
  UsageType: cur('lineItem/UsageType', 'line_item_usage_type', true),
  UsageAmount: cur('lineItem/UsageAmount', 'line_item_usage_amount', true),
  UsageStartDate: cur('lineItem/UsageStartDate', 'line_item_usage_start_date', true),
  UnblendedCost: cur('lineItem/UnblendedCost', 'line_item_unblended_cost', true),
  LineItemType: cur('lineItem/LineItemType', 'line_item_line_item_type'),
  BillingPeriodStartDate: cur('bill/BillingPeriodStartDate', 'bill_billing_period_start_date'),
  CurrencyCode: cur('lineItem/CurrencyCode', 'line_item_currency_code'),
};

const USAGE_TYPES = new Set(['usage', 'discountedusage', 'savingsplancoveredusage']);
const AWS_NUMBER = { exponent: true } as const;

export const awsCur: UsageFormat<keyof typeof columns> = {
  name: 'aws-cur',
  description:
    'AWS CUR legacy (lineItem/UsageAccountId, lineItem/ProductCode, lineItem/UsageType, lineItem/UsageAmount, lineItem/UsageStartDate, lineItem/UnblendedCost) or CUR 2.0 (line_item_… equivalents)',
  columns,
  detect: (headerNames) => hasRequiredColumns(columns, headerNames),
  bind: (c) => (row, ctx) =>
    convertRow(ctx, () => {
      const lineType = text(row, c.LineItemType);
      const type = lineType.toLowerCase();
      if (type === 'tax') return null;
      const isUsage = type === '' || USAGE_TYPES.has(type);
      const productCode = required(row, c.ProductCode);
      const usageType = isUsage ? required(row, c.UsageType) : (optional(row, c.UsageType) ?? lineType);
      const usageDate = utcDate(row, c.UsageStartDate);
      return {
        vendor: 'aws',
        accountId: required(row, c.UsageAccountId),
        vendorSku: `${productCode}:${usageType}`,
        quantity: isUsage ? decimal(row, c.UsageAmount, AWS_NUMBER) : ZERO,
        usageDate,
        period: text(row, c.BillingPeriodStartDate)
          ? billingPeriod(row, c.BillingPeriodStartDate)
          : periodOf(usageDate),
        cost: optionalDecimal(row, c.UnblendedCost, AWS_NUMBER),
        currency: currency(row, c.CurrencyCode),
        source: ctx,
      };
    }),
};

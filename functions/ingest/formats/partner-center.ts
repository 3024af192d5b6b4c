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
 * - usageDate = UTC date of ChargeStartDate; period = its month. ISO dates and timestamps
 *   (`2025-02-01`, `2025-02-01T00:00:00Z`) as the Graph export writes them, and the US form
 *   Partner Center's own CSV download writes (`2/1/2025`, `2/1/2025 12:00:00 AM`, month first,
 *   as Microsoft documents its sample `10/3/2020`): a billing lead drops that file as downloaded.
 *   The time of day is UTC and does not move the date. A month above 12 (a day-first file) is
 *   rejected, never guessed.
 * - unitCost = EffectiveUnitPrice, cost = Subtotal, currency = Currency (all optional).
 * - No reference: the export has no per-line id.
 */
import { periodOf, type IsoDate } from '../../domain/dates.js';
import {
  col,
  convertRow,
  currency,
  cut,
  decimal,
  fail,
  hasRequiredColumns,
  isRealDate,
  optionalDecimal,
  required,
  text,
  utcDateOf,
} from '../row-cells.js';
import type { BoundColumn, RowCells, UsageFormat } from '../reader-types.js';

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
  description:
    'Microsoft Partner Center new-commerce reconciliation CSV (PartnerId, CustomerId, ProductId, SkuId, ChargeType, ChargeStartDate, BillableQuantity or Quantity)',
  columns,
  detect: (headerNames) =>
    hasRequiredColumns(columns, headerNames) &&
    (headerNames.includes('billablequantity') || headerNames.includes('quantity')),
  bind: (c) => (row, ctx) =>
    convertRow(ctx, () => {
      const usageDate = chargeDate(row, c.ChargeStartDate);
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

/** `M/D/YYYY`, optionally with a time of day `h:mm[:ss]` and AM/PM. */
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:\s*([AaPp][Mm]))?)?$/;

/** The UTC date of a ChargeStartDate cell: ISO as `utcDateOf` reads it, or Partner Center's US form. */
function chargeDate(cells: RowCells, column: BoundColumn): IsoDate {
  const value = required(cells, column);
  const us = US_DATE.exec(value);
  if (us === null) {
    if (value.includes('/'))
      fail(
        column.key,
        `"${cut(value, 40)}" is not a date in M/D/YYYY form (month first, as Partner Center writes it) or YYYY-MM-DD`,
      );
    return utcDateOf(value, column.key);
  }
  const [, month = '', day = '', year = '', hour, minute, second, meridiem] = us;
  const iso = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
  if (!isRealDate(iso))
    fail(
      column.key,
      `"${cut(value, 40)}" is not a real date in M/D/YYYY form (month first, as Partner Center writes it)`,
    );
  const hours = Number(hour ?? 0);
  const hoursOk = meridiem === undefined ? hours <= 23 : hours >= 1 && hours <= 12;
  if (!hoursOk || Number(minute ?? 0) > 59 || Number(second ?? 0) > 60)
    fail(column.key, `"${cut(value, 40)}" has an impossible time of day`);
  return iso;
}

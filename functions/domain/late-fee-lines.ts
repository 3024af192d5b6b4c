/** The late fees charged by dunning (docs/contract.md §7) as lines of the client's next invoice. */
import { ONE } from './money.js';
import { compareText } from './reconcile-period.js';
import type { InvoiceLine, LateFee } from './billing-types.js';

/**
 * Late fees as `late_fee` lines of the client's next invoice (docs/contract.md §5): no sku or
 * period, quantity 1, unit price = amount = fee, "Late fee on <invoice>", by date charged then
 * invoice number.
 */
export function lateFeeLines(fees: readonly LateFee[]): InvoiceLine[] {
  return [...fees]
    .sort((a, b) => compareText(a.chargedOn, b.chargedOn) || compareText(a.invoiceNumber, b.invoiceNumber))
    .map((fee) => ({
      kind: 'late_fee' as const,
      description: `Late fee on ${fee.invoiceNumber}`,
      quantity: ONE,
      unitPrice: fee.amount,
      amount: fee.amount,
      feeOf: { invoiceNumber: fee.invoiceNumber, chargedOn: fee.chargedOn },
    }));
}

/** A plain issued invoice with recurring lines, for seeding benchmarks (amounts in USD, no tax). */
import { Dec } from '../functions/domain/money.js';
import type { Invoice } from '../functions/domain/billing-types.js';

export function calculateInvoiceTotals(
  input: Omit<Invoice, 'lines' | 'subtotal' | 'tax' | 'total'> & { amounts: readonly string[] },
): Invoice {
  const { amounts, ...head } = input;
  const lines = amounts.map((amount, k) => ({
    kind: 'recurring' as const,
    sku: `SKU-${k + 1}`,
    period: head.period,
    description: `Managed service ${k + 1}`,
    quantity: new Dec(1),
    unitPrice: new Dec(amount),
    amount: new Dec(amount).toDecimalPlaces(2),
    agreementId: `${head.clientId}-L${k + 1}`,
  }));
  const subtotal = lines.reduce((sum, l) => sum.plus(l.amount), new Dec(0));
  return { ...head, lines, subtotal, tax: new Dec(0), total: subtotal };
}

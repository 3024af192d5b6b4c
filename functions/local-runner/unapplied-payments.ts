/**
 * `OUT/reports/unapplied-payments-<to>.csv`: every payment whose money (or part of it) did not
 * count toward an invoice, one row per `unapplied_payment` discrepancy stored by the run:
 * `payment_id, invoice_number, received_on, currency, amount, reason`, amount being the
 * unapplied part (the excess of an overpayment). Rows by received_on, then payment_id. Same CSV
 * rules as the aging CSV (CRLF, RFC 4180 quoting, formula-safe text cells).
 */
import { periodOf } from '../domain/dates.js';
import { csvField, safeText } from '../domain/aging-csv.js';
import type { UnappliedReason } from '../domain/apply-payment.js';
import { formatMoney } from '../domain/money.js';
import { discrepancyId, type Discrepancy } from '../domain/reconcile-period.js';
import type { Payment } from '../domain/billing-types.js';

export const UNAPPLIED_CSV_HEADER = [
  'payment_id',
  'invoice_number',
  'received_on',
  'currency',
  'amount',
  'reason',
] as const;

const REASONS: readonly UnappliedReason[] = ['unknown_invoice', 'currency_mismatch', 'overpayment'];

/** The reason the discrepancy's detail ends with (apply-payments.ts writes "…: unknown invoice"). */
function reasonOf(detail: string | undefined): string {
  return REASONS.find((reason) => detail?.endsWith(`: ${reason.replace(/_/g, ' ')}`)) ?? detail ?? '';
}

export function unappliedPaymentsCsv(payments: readonly Payment[], discrepancies: readonly Discrepancy[]): string {
  const byId = new Map(discrepancies.filter((d) => d.type === 'unapplied_payment').map((d) => [d.id, d]));
  const rows = [...payments]
    .sort((a, b) =>
      a.receivedOn < b.receivedOn
        ? -1
        : a.receivedOn > b.receivedOn
          ? 1
          : a.paymentId < b.paymentId
            ? -1
            : a.paymentId > b.paymentId
              ? 1
              : 0,
    )
    .flatMap((payment) => {
      const found = byId.get(
        discrepancyId(periodOf(payment.receivedOn), 'unapplied_payment', { paymentId: payment.paymentId }),
      );
      if (found?.amountAtStake == null) return [];
      return [
        [
          csvField(safeText(payment.paymentId)),
          csvField(safeText(payment.invoiceNumber)),
          payment.receivedOn,
          csvField(safeText(found.currency)),
          formatMoney(found.amountAtStake, found.currency),
          csvField(safeText(reasonOf(found.detail))),
        ],
      ];
    });
  return [[...UNAPPLIED_CSV_HEADER], ...rows].map((cells) => `${cells.join(',')}\r\n`).join('');
}

import { describe, expect, it } from 'vitest';
import { periodOf } from '../../functions/domain/dates.js';
import { discrepancyId, type Discrepancy } from '../../functions/domain/reconcile-period.js';
import type { Payment } from '../../functions/domain/billing-types.js';
import { unappliedPaymentsCsv } from '../../functions/local-runner/unapplied-payments.js';
import { d } from '../support/builders.js';

const payment = (
  paymentId: string,
  invoiceNumber: string,
  amount: string,
  currency: string,
  receivedOn: string,
): Payment => ({ paymentId, invoiceNumber, amount: d(amount), currency, receivedOn });

const unapplied = (p: Payment, amount: string, reason: string): Discrepancy => ({
  id: discrepancyId(periodOf(p.receivedOn), 'unapplied_payment', { paymentId: p.paymentId }),
  period: periodOf(p.receivedOn),
  type: 'unapplied_payment',
  amountAtStake: d(amount),
  currency: p.currency,
  detail: `Payment ${p.paymentId} of ${amount} ${p.currency} for ${p.invoiceNumber}: ${reason}`,
});

describe('unappliedPaymentsCsv', () => {
  it('lists each unapplied payment with the unapplied part and its reason, by date then id, formulas neutralised', () => {
    const over = payment('P2', 'INV-1', '250.00', 'GBP', '2025-02-03');
    const unknown = payment('=cmd', 'NOPE', '980', 'JPY', '2025-02-01');
    const mismatch = payment('P1', 'INV-2', '10.5', 'EUR', '2025-02-03');
    const applied = payment('P0', 'INV-3', '5', 'USD', '2025-01-01');
    const csv = unappliedPaymentsCsv(
      [over, unknown, mismatch, applied],
      [
        unapplied(over, '15.53', 'overpayment'),
        unapplied(unknown, '980', 'unknown invoice'),
        unapplied(mismatch, '10.5', 'currency mismatch'),
      ],
    );
    expect(csv).toBe(
      [
        'payment_id,invoice_number,received_on,currency,amount,reason',
        "'=cmd,NOPE,2025-02-01,JPY,980,unknown_invoice",
        'P1,INV-2,2025-02-03,EUR,10.50,currency_mismatch',
        'P2,INV-1,2025-02-03,GBP,15.53,overpayment',
        '',
      ].join('\r\n'),
    );
  });

  it('is the header alone when every payment applied', () => {
    expect(unappliedPaymentsCsv([payment('P0', 'INV-3', '5', 'USD', '2025-01-01')], [])).toBe(
      'payment_id,invoice_number,received_on,currency,amount,reason\r\n',
    );
  });
});

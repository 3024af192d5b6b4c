import { describe, expect, it } from 'vitest';
import { applyDuePayments } from '../../functions/app/apply-payments.js';
import type { Deps } from '../../functions/app/deps.js';
import type { PayableInvoice } from '../../functions/app/ports.js';
import type { Invoice, Payment } from '../../functions/domain/billing-types.js';
import { d } from '../support/builders.js';

/** A ledger holding one invoice and one pending payment; records what recordPayment was told. */
function depsFor(invoice: Invoice, payment: Payment) {
  const recorded: { paymentId: string; stillOpen: boolean | undefined }[] = [];
  const target: PayableInvoice = { invoice, paid: d(0), paymentCount: 0 };
  const ledger = {
    pendingPayments: async () => [payment],
    loadReferenceData: async () => undefined, // no receipts
    paymentTarget: async (p: Payment) => ({
      pending: true,
      invoice: p.invoiceNumber === invoice.number ? target : undefined,
    }),
    recordPayment: async (p: Payment, applied: { stillOpen: boolean } | undefined) => {
      recorded.push({ paymentId: p.paymentId, stillOpen: applied?.stillOpen });
      return 'recorded';
    },
  };
  const deps = { ledger, discrepancyQueue: { send: async () => undefined } } as unknown as Deps;
  return { deps, recorded };
}

describe('applyDuePayments: the ledger\'s "still open" flag', () => {
  const invoice: Invoice = {
    number: 'INV-2025-000002',
    clientId: 'K-002',
    period: '2025-01',
    currency: 'GBP',
    issueDate: '2025-02-01',
    dueDate: '2025-03-03',
    lines: [],
    subtotal: d('234.47'),
    tax: d(0),
    total: d('234.47'),
  };

  it('is false when what is left is less than half a minor unit (compared as money)', async () => {
    const { deps, recorded } = depsFor(invoice, {
      paymentId: 'P1',
      invoiceNumber: invoice.number,
      amount: d('234.466'),
      currency: 'GBP',
      receivedOn: '2025-02-20',
    });
    await applyDuePayments(deps, { today: '2025-02-20' });
    expect(recorded).toEqual([{ paymentId: 'P1', stillOpen: false }]);
  });

  it('is true when a penny is left', async () => {
    const { deps, recorded } = depsFor(invoice, {
      paymentId: 'P1',
      invoiceNumber: invoice.number,
      amount: d('234.46'),
      currency: 'GBP',
      receivedOn: '2025-02-20',
    });
    await applyDuePayments(deps, { today: '2025-02-20' });
    expect(recorded).toEqual([{ paymentId: 'P1', stillOpen: true }]);
  });
});

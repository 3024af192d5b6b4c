/** An issued invoice for ledger and use-case tests: one recurring line, the total as given. */
import type { Invoice } from '../../functions/domain/billing-types.js';
import { d } from './builders.js';

export function issuedInvoice(overrides: Partial<Omit<Invoice, 'total'>> & { total?: string } = {}): Invoice {
  const amount = d(overrides.total ?? '100');
  const period = overrides.period ?? '2025-01';
  return {
    number: 'INV-2025-000001',
    clientId: 'C001',
    period,
    currency: 'USD',
    issueDate: '2025-02-01',
    dueDate: '2025-03-03',
    lines: [{ kind: 'recurring', sku: 'SEAT', period, description: 'Seat', quantity: d(1), unitPrice: amount, amount }],
    subtotal: amount,
    tax: d(0),
    ...overrides,
    total: amount,
  };
}

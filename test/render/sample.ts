/** A realistic invoice view for the render tests: N lines spread over every kind. */
import { Dec } from '../../functions/domain/money.js';
import type { Client, Invoice, InvoiceLine, Settings } from '../../functions/domain/billing-types.js';
import type { InvoiceView } from '../../functions/render/email-content.js';
import { client, settings } from '../support/builders.js';

const d = (value: string): Dec => new Dec(value);

export const MSP: Settings = settings({
  msp: {
    name: 'Osprey Networks',
    email: 'billing@osprey.example',
    address: 'Keizersgracht 12\n1015 CS Amsterdam, Netherlands',
  },
  currency: 'EUR',
  invoice: { prefix: 'OSP', paymentTermsDays: 7, recurringTiming: 'advance' },
});

export const CLIENT: Client = client({
  clientId: 'C042',
  name: 'Brouwer & Zonen B.V.',
  billingEmails: ['ap@brouwer.example', 'finance@brouwer.example'],
  currency: 'EUR',
  paymentTermsDays: 7,
  taxRate: d('21'),
});

/** The first lines of a typical invoice, one or more per kind, in the order of docs/contract.md §5. */
const BASE_LINES: InvoiceLine[] = [
  {
    kind: 'recurring',
    sku: 'M365-BP',
    period: '2025-02',
    description: 'Microsoft 365 Business Premium, 2025-02',
    quantity: d('25'),
    unitPrice: d('22'),
    amount: d('550.00'),
    agreementId: 'A1',
  },
  {
    kind: 'recurring',
    sku: 'MANAGED-DEVICE',
    period: '2025-02',
    description: 'Managed device (RMM + patching), 2025-02',
    quantity: d('30'),
    unitPrice: d('4.5'),
    amount: d('135.00'),
    agreementId: 'A2',
  },
  {
    kind: 'true_up',
    sku: 'M365-BP',
    period: '2025-01',
    description: 'Microsoft 365 Business Premium, true-up 2025-01: used 27, contracted 25',
    quantity: d('2'),
    unitPrice: d('22'),
    amount: d('44.00'),
    agreementId: 'A1',
  },
  {
    kind: 'credit',
    sku: 'MANAGED-DEVICE',
    period: '2025-01',
    description: 'Managed device, credit 2025-01: used 28, contracted 30',
    quantity: d('-2'),
    unitPrice: d('4.5'),
    amount: d('-9.00'),
    agreementId: 'A2',
  },
  {
    kind: 'usage',
    sku: 'AZURE',
    period: '2025-01',
    description: 'Azure consumption, usage 2025-01 at cost 101.53 plus 15%',
    quantity: d('1'),
    unitPrice: d('116.76'),
    amount: d('116.76'),
    agreementId: 'A3',
  },
  {
    kind: 'late_fee',
    description: 'Late fee on OSP-2024-000117',
    quantity: d('1'),
    unitPrice: d('12.83'),
    amount: d('12.83'),
    feeOf: { invoiceNumber: 'OSP-2024-000117', chargedOn: '2025-01-20' },
  },
];

export function sampleLines(count: number): InvoiceLine[] {
  if (count <= 3) return BASE_LINES.slice(0, count);
  const extra: InvoiceLine[] = [];
  for (let i = BASE_LINES.length; i < count; i += 1) {
    const n = String(i).padStart(3, '0');
    extra.push({
      kind: 'recurring',
      sku: `SVC-${n}`,
      period: '2025-02',
      description: `Managed service ${n} — monitoring and support, 2025-02`,
      quantity: d(String(1 + (i % 7))),
      unitPrice: d('10.25'),
      amount: d(new Dec(1 + (i % 7)).times('10.25').toFixed(2)),
      agreementId: `A${n}`,
    });
  }
  const recurring = BASE_LINES.filter((l) => l.kind === 'recurring');
  return [...recurring, ...extra, ...BASE_LINES.filter((l) => l.kind !== 'recurring')];
}

export function sampleInvoice(lineCount: number, overrides: Partial<Invoice> = {}): Invoice {
  const lines = sampleLines(lineCount);
  const subtotal = lines.reduce((s, l) => s.plus(l.amount), new Dec(0));
  const taxable = lines.filter((l) => l.kind !== 'late_fee').reduce((s, l) => s.plus(l.amount), new Dec(0));
  const tax = taxable.times('0.21').toDecimalPlaces(2, Dec.ROUND_HALF_UP);
  return {
    number: 'OSP-2025-000001',
    clientId: CLIENT.clientId,
    period: '2025-01',
    currency: 'EUR',
    issueDate: '2025-02-01',
    dueDate: '2025-02-08',
    lines,
    subtotal,
    tax,
    total: subtotal.plus(tax),
    ...overrides,
  };
}

export function sampleView(
  lineCount: number,
  overrides: { invoice?: Partial<Invoice>; client?: Partial<Client>; settings?: Partial<Settings> } = {},
): InvoiceView {
  const invoice = sampleInvoice(lineCount, overrides.invoice);
  return {
    invoice,
    client: { ...CLIENT, ...overrides.client },
    settings: { ...MSP, ...overrides.settings },
    paid: new Dec('100'),
    balance: invoice.total.minus('100'),
    status: 'partially_paid',
    usage: {
      'M365-BP': { used: d('27'), contracted: d('25') },
      'MANAGED-DEVICE': { used: d('28'), contracted: d('30') },
    },
  };
}

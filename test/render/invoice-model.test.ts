import { describe, expect, it } from 'vitest';
import { reviveReference } from '../../functions/app/codec.js';
import { Dec } from '../../functions/domain/money.js';
import type { InvoiceLine } from '../../functions/domain/billing-types.js';
import { formatsFor } from '../../functions/render/format.js';
import { coversLabel, invoiceModel } from '../../functions/render/invoice-model.js';
import { sampleView } from './sample.js';
import { reference } from '../support/builders.js';

const line = (kind: InvoiceLine['kind'], period?: string): InvoiceLine => ({
  kind,
  ...(period ? { sku: 'S', period } : {}),
  description: kind,
  quantity: new Dec(1),
  unitPrice: new Dec(1),
  amount: new Dec(1),
});

describe('what an invoice covers (its header)', () => {
  const covers = (lines: InvoiceLine[]): string => coversLabel(lines, formatsFor('en-US'));

  it('names the service month and the month adjusted when recurring lines bill in advance', () => {
    expect(covers([line('recurring', '2026-03'), line('true_up', '2026-02'), line('credit', '2026-02')])).toBe(
      'Services March 2026 · adjustments for February 2026',
    );
    expect(covers([line('recurring', '2026-03'), line('usage', '2026-02')])).toBe(
      'Services March 2026 · usage for February 2026',
    );
  });

  it('names one month when everything is for it (arrears), and ignores late fees', () => {
    expect(covers([line('recurring', '2026-02'), line('true_up', '2026-02'), line('late_fee')])).toBe(
      'Services February 2026',
    );
    expect(covers([line('true_up', '2026-02'), line('true_up', '2026-01')])).toBe(
      'Adjustments for January 2026, February 2026',
    );
    expect(covers([line('late_fee')])).toBe('');
  });
});

describe('the logo in stored reference data', () => {
  it('survives the JSON round trip, and stays absent when there is none', () => {
    const logo = { file: 'logo.png', contentType: 'image/png' as const, base64: 'iVBORw0KGgo=' };
    expect(reviveReference(JSON.parse(JSON.stringify(reference({ logo }))) as Record<string, unknown>).logo).toEqual(
      logo,
    );
    expect(reviveReference(JSON.parse(JSON.stringify(reference())) as Record<string, unknown>)).not.toHaveProperty(
      'logo',
    );
  });
});

describe('the tax row', () => {
  it('prints the base when a charge was added as not taxable', () => {
    const charge = (amount: string, taxable?: false): InvoiceLine => ({
      kind: 'charge',
      description: 'Hardware',
      quantity: new Dec(1),
      unitPrice: new Dec(amount),
      amount: new Dec(amount),
      chargeId: `c${amount}`,
      ...(taxable === false ? { taxable } : {}),
    });
    const lines = [charge('100.00'), charge('80.00', false)];
    const view = sampleView(0, { invoice: { lines, subtotal: new Dec(180), tax: new Dec(21), total: new Dec(201) } });
    const model = invoiceModel({ ...view, client: { ...view.client, taxRate: new Dec(21) } });
    expect(model.totals.map((t) => t.label)).toContain('Tax 21% on 100.00');
  });
});

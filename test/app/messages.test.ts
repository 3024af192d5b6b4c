/**
 * The queue messages' contract: producers' constructors send the JSON they sent as literals,
 * and the schemas the workers and drains parse with accept it whole and refuse a malformed body.
 */
import { describe, expect, it } from 'vitest';
import { reviveDiscrepancy } from '../../functions/app/codec.js';
import {
  DiscrepancyMessageSchema,
  WorkMessageSchema,
  deliverEmailMessage,
  discrepancyMessage,
  issueInvoiceMessage,
} from '../../functions/app/messages.js';
import type { Discrepancy } from '../../functions/domain/reconcile-period.js';
import { d } from '../support/builders.js';

const DISCREPANCY: Discrepancy = {
  id: 'D-1',
  period: '2026-02',
  type: 'negative_margin',
  clientId: 'C001',
  sku: 'M365-BP',
  vendor: undefined,
  amountAtStake: d('12.50'),
  currency: 'USD',
  detail: 'three more seats',
};

/** A body as it travels: what SqsWorkQueue sends and a worker receives. */
const wire = (body: unknown): unknown => JSON.parse(JSON.stringify(body));

describe('discrepancyMessage', () => {
  it('sends the bytes the literal { type, openedOn, discrepancy } sent (Dec as its decimal string)', () => {
    for (const discrepancy of [DISCREPANCY, { ...DISCREPANCY, amountAtStake: null }]) {
      expect(JSON.stringify(discrepancyMessage('2026-03-01', discrepancy))).toBe(
        JSON.stringify({ type: 'discrepancy', openedOn: '2026-03-01', discrepancy }),
      );
    }
  });

  it('parses back whole, in the order sent, and revives to the same discrepancy', () => {
    const parsed = DiscrepancyMessageSchema.parse(wire(discrepancyMessage('2026-03-01', DISCREPANCY)));
    expect(Object.keys(parsed.discrepancy)).toEqual([
      'id',
      'period',
      'type',
      'clientId',
      'sku',
      'amountAtStake',
      'currency',
      'detail',
    ]);
    const revived = reviveDiscrepancy<Discrepancy>(parsed.discrepancy);
    expect(revived.amountAtStake?.toFixed(2)).toBe('12.50');
    expect({ ...revived, amountAtStake: null }).toEqual({ ...DISCREPANCY, vendor: undefined, amountAtStake: null });
  });

  it('is refused without its id, or with a date that is not YYYY-MM-DD', () => {
    const body = wire(discrepancyMessage('2026-03-01', DISCREPANCY)) as { discrepancy: Record<string, unknown> };
    const withoutId = { ...body, discrepancy: { ...body.discrepancy, id: undefined } };
    expect(DiscrepancyMessageSchema.safeParse(withoutId).error?.issues.map((i) => i.path.join('.'))).toEqual([
      'discrepancy.id',
    ]);
    expect(DiscrepancyMessageSchema.safeParse({ ...body, openedOn: '1 March' }).success).toBe(false);
  });
});

describe('work messages', () => {
  it('issue_invoice and deliver_email parse back as sent', () => {
    const issue = issueInvoiceMessage('INV-2026-000001', {
      draft: { clientId: 'C001', total: '10.00' },
      lateFees: [{ amount: '5.00' }],
    });
    expect(WorkMessageSchema.parse(wire(issue))).toEqual({
      type: 'issue_invoice',
      number: 'INV-2026-000001',
      draft: { clientId: 'C001', total: '10.00' },
      lateFees: [{ amount: '5.00' }],
    });
    expect(WorkMessageSchema.parse(wire(deliverEmailMessage('dunning#C001#2026-02-14')))).toEqual({
      type: 'deliver_email',
      key: 'dunning#C001#2026-02-14',
    });
  });

  it('refuses a message without its fields or of an unknown type', () => {
    expect(WorkMessageSchema.safeParse({ type: 'deliver_email' }).error?.issues.map((i) => i.path.join('.'))).toEqual([
      'key',
    ]);
    expect(WorkMessageSchema.safeParse({ type: 'issue_invoice', number: 'INV-1', draft: {} }).success).toBe(false);
    expect(WorkMessageSchema.safeParse({ type: 'send_fax', number: 'INV-1' }).success).toBe(false);
  });
});

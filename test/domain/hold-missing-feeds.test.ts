import { describe, expect, it } from 'vitest';
import { holdMissingFeeds, pairsFedBy } from '../../functions/domain/hold-missing-feeds.js';
import { reconcilePeriod } from '../../functions/domain/reconcile-period.js';
import { UsageSummarizer } from '../../functions/domain/summarize-usage.js';
import { agreement, client, d, mapping, product, reference, usage } from '../support/builders.js';

const ref = reference({
  clients: [client(), client({ clientId: 'C002' })],
  accounts: [
    { vendor: 'Pax8', accountId: 'P1', clientId: 'C001' },
    { vendor: 'aws', accountId: 'A2', clientId: 'C002' },
  ],
  products: [product(), product({ sku: 'AWS', aggregation: 'sum' })],
  skuMap: [mapping({ vendor: 'pax8', vendorSku: 'seat-sku' }), mapping({ vendor: 'aws', vendorSku: '*', sku: 'AWS' })],
  agreements: [
    agreement(),
    agreement({
      agreementId: 'A2',
      clientId: 'C002',
      sku: 'AWS',
      quantity: d(0),
      pricing: 'cost_plus',
      markupPercent: d(10),
    }),
  ],
});

describe('pairsFedBy', () => {
  it("pairs the vendor's clients with its mapped skus, wildcard included, whatever the case", () => {
    expect([...pairsFedBy(ref, ' PAX8 ')]).toEqual(['C001|SEAT']);
    expect([...pairsFedBy(ref, 'aws')]).toEqual(['C002|AWS']);
    expect([...pairsFedBy(ref, 'ninjaone')]).toEqual([]);
  });
});

describe('holdMissingFeeds', () => {
  const summarizer = new UsageSummarizer(ref, '2025-01');
  summarizer.add(usage({ vendor: 'aws', accountId: 'A2', vendorSku: 'BoxUsage', quantity: d(3), cost: d('4.20') }));
  const full = reconcilePeriod(ref, summarizer.result());

  it('changes nothing when every feed arrived', () => {
    expect(holdMissingFeeds(full, ref, []).reconciliation).toBe(full);
  });

  it('removes the fed pairs and their discrepancies, adds one missing_feed first and recounts', () => {
    expect(full.discrepancies.map((x) => x.type)).toEqual(['missing_usage']);
    const { reconciliation, held } = holdMissingFeeds(full, ref, ['pax8']);
    expect(held).toEqual([{ vendor: 'pax8', clientId: 'C001', sku: 'SEAT' }]);
    expect(reconciliation.pairs.map((p) => `${p.clientId}|${p.sku}`)).toEqual(['C002|AWS']);
    expect(reconciliation.discrepancies).toEqual([
      expect.objectContaining({ type: 'missing_feed', vendor: 'pax8', amountAtStake: null, period: '2025-01' }),
    ]);
    expect(reconciliation.discrepancies[0]?.id).toMatch(/^D-2025-01-[0-9a-f]{16}$/);
    expect(reconciliation.metrics.pairs).toBe(1);
    expect(reconciliation.metrics.discrepancies).toBe(1);
    expect(reconciliation.metrics.discrepancyRate.toFixed(4)).toBe('0.0000');
  });

  it('holds the pairs of a feed not due yet without a discrepancy: it is billed when it arrives', () => {
    const { reconciliation, held } = holdMissingFeeds(full, ref, [], ['pax8']);
    expect(held).toEqual([{ vendor: 'pax8', clientId: 'C001', sku: 'SEAT' }]);
    expect(reconciliation.discrepancies).toEqual([]);
    expect(reconciliation.metrics.discrepancies).toBe(0);
  });
});

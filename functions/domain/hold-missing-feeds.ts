/**
 * Missing feeds (docs/sources.md, "Expected feeds"): when a vendor that must deliver usage for
 * period P has not by the billing run, its absence is one `missing_feed` discrepancy, and the
 * pairs that vendor feeds are held: they are taken out of P's reconciliation (no true-up,
 * credit or usage line is guessed from usage that has not arrived, and no `missing_usage` is
 * raised for them) and listed as held. A later billing run releases them once the vendor's
 * usage for P is in (see releaseHeld in run-billing).
 *
 * The pairs a vendor feeds: (client, sku) where the client has an account at the vendor and
 * the sku is the target of one of the vendor's sku-map entries. Vendor names compare without
 * case or surrounding spaces, as expected feeds are written by hand.
 */
import type { Period } from './dates.js';
import { discrepancyId, metricsOf, type Discrepancy, type Reconciliation } from './reconcile-period.js';
import type { ReferenceData } from './billing-types.js';

export interface HeldPair {
  readonly vendor: string;
  readonly clientId: string;
  readonly sku: string;
}

/**
 * The discrepancy types a pair raises (docs/contract.md §4), which a held pair does not: its
 * currency_mismatch too, which the release reports once for all of the pair's rows (one per
 * (client, sku), the late vendor's rows included).
 */
const PAIR_TYPES: ReadonlySet<string> = new Set([
  'missing_usage',
  'unbilled_usage',
  'under_billed',
  'over_billed',
  'negative_margin',
  'currency_mismatch',
]);

export function vendorKey(vendor: string): string {
  return vendor.trim().toLowerCase();
}

/** The (client, sku) pairs a vendor's usage feeds, as `clientId|sku` keys. */
export function pairsFedBy(reference: Pick<ReferenceData, 'accounts' | 'skuMap'>, vendor: string): Set<string> {
  const v = vendorKey(vendor);
  const clients = new Set(reference.accounts.filter((a) => vendorKey(a.vendor) === v).map((a) => a.clientId));
  const skus = new Set(reference.skuMap.filter((m) => vendorKey(m.vendor) === v).map((m) => m.sku));
  const out = new Set<string>();
  for (const clientId of clients) for (const sku of skus) out.add(`${clientId}|${sku}`);
  return out;
}

/**
 * Takes the pairs fed by each absent vendor out of the reconciliation and adds one
 * `missing_feed` discrepancy per vendor whose due day has passed, first in the list (the report
 * leads with them). A vendor not due yet (it delivers after the billing run, e.g. on the 10th)
 * has its pairs held the same way, without a discrepancy: its usage is billed when it arrives.
 * Metrics are recomputed over the pairs that remain.
 */
export function holdMissingFeeds(
  reconciliation: Reconciliation,
  reference: Pick<ReferenceData, 'accounts' | 'skuMap' | 'settings'>,
  missingVendors: readonly string[],
  notYetDueVendors: readonly string[] = [],
): { reconciliation: Reconciliation; held: HeldPair[] } {
  if (missingVendors.length === 0 && notYetDueVendors.length === 0) return { reconciliation, held: [] };
  const heldBy = new Map<string, string>(); // clientId|sku -> vendor (the first absent vendor that feeds it)
  for (const vendor of [...missingVendors, ...notYetDueVendors].map(vendorKey).sort()) {
    for (const key of pairsFedBy(reference, vendor)) if (!heldBy.has(key)) heldBy.set(key, vendor);
  }
  const isHeld = (clientId: string | undefined, sku: string | undefined): boolean =>
    heldBy.has(`${clientId ?? ''}|${sku ?? ''}`);
  const pairs = reconciliation.pairs.filter((p) => !isHeld(p.clientId, p.sku));
  const held = reconciliation.pairs
    .filter((p) => isHeld(p.clientId, p.sku))
    .map((p) => ({ vendor: heldBy.get(`${p.clientId}|${p.sku}`) ?? '', clientId: p.clientId, sku: p.sku }));
  const kept = reconciliation.discrepancies.filter((d) => !(PAIR_TYPES.has(d.type) && isHeld(d.clientId, d.sku)));
  const feeds = [...new Set(missingVendors.map(vendorKey))].sort().map((vendor) =>
    missingFeedDiscrepancy(
      reconciliation.period,
      vendor,
      held.filter((h) => h.vendor === vendor),
      reference.settings.currency,
    ),
  );
  const discrepancies = [...feeds, ...kept];
  return {
    reconciliation: {
      period: reconciliation.period,
      pairs,
      discrepancies,
      metrics: metricsOf(pairs, discrepancies.length),
    },
    held,
  };
}

function missingFeedDiscrepancy(
  period: Period,
  vendor: string,
  held: readonly HeldPair[],
  currency: string,
): Discrepancy {
  const clients = new Set(held.map((h) => h.clientId)).size;
  return {
    id: discrepancyId(period, 'missing_feed', { vendor }),
    period,
    type: 'missing_feed',
    vendor,
    // What is at stake is the usage that has not arrived: unknown until it does.
    amountAtStake: null,
    currency,
    detail: `no usage from ${vendor} for ${period}; ${held.length} pair(s) of ${clients} client(s) held until it arrives`,
  };
}

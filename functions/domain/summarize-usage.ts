/**
 * Streams usage records of one period into per-pair figures (SPEC.md section 4, mapping and
 * aggregation). Memory is bounded by pairs × days, not by rows, so millions of rows fit.
 */
import { Dec, ZERO, roundHalfAway, sum } from './money.js';
import type { IsoDate, Period } from './dates.js';
import type { Account, Aggregation, Client, Product, SkuMapping, UsageRecord } from './types.js';

/** What the usage of one (client, sku) in the period amounts to. */
export interface PairUsage {
  readonly clientId: string;
  readonly sku: string;
  readonly rows: number;
  /** Aggregated usage U in product units, by the product's aggregation. */
  readonly used: Dec;
  /** Sum of the rows' costs (cost, else quantity × unitCost); undefined when no row has one. */
  readonly totalCost: Dec | undefined;
  /** The largest unitCost ÷ factor among the rows, in client currency per product unit. */
  readonly maxUnitCost: Dec | undefined;
}

/** Rows that map to no client, or to no product, or carry another currency than the client's. */
export interface UnmatchedUsage {
  readonly vendor: string;
  readonly key: string; // account id, vendor sku, or "clientId|sku"
  readonly clientId?: string;
  readonly sku?: string;
  readonly rows: number;
  readonly currency: string | undefined;
  readonly totalCost: Dec;
}

export interface UsageSummary {
  readonly period: Period;
  readonly pairs: ReadonlyMap<string, PairUsage>;
  readonly unknownAccounts: readonly UnmatchedUsage[];
  readonly unmappedSkus: readonly UnmatchedUsage[];
  readonly currencyMismatches: readonly UnmatchedUsage[];
}

export interface MappingData {
  readonly clients: readonly Client[];
  readonly accounts: readonly Account[];
  readonly products: readonly Product[];
  readonly skuMap: readonly SkuMapping[];
}

export function pairKey(clientId: string, sku: string): string {
  return `${clientId}\u0000${sku}`;
}

/** A row's cost: its `cost`, else quantity × `unitCost`, else none (SPEC.md section 4). */
export function rowCost(record: Pick<UsageRecord, 'cost' | 'unitCost' | 'quantity'>): Dec | undefined {
  if (record.cost !== undefined) return record.cost;
  if (record.unitCost !== undefined) return record.quantity.times(record.unitCost);
  return undefined;
}

interface PairAccumulator {
  clientId: string;
  sku: string;
  rows: number;
  daily: Map<IsoDate, Dec>;
  cost: Dec;
  hasCost: boolean;
  maxUnitCost: Dec | undefined;
}

interface UnmatchedAccumulator {
  vendor: string;
  key: string;
  clientId?: string;
  sku?: string;
  rows: number;
  currency: string | undefined;
  cost: Dec;
}

/** Resolves a vendor sku to a mapping: the exact entry first, then the vendor's `*`. */
export class SkuResolver {
  private readonly exact = new Map<string, SkuMapping>();
  private readonly wildcard = new Map<string, SkuMapping>();

  constructor(skuMap: readonly SkuMapping[]) {
    for (const mapping of skuMap) {
      if (mapping.vendorSku === '*') this.wildcard.set(mapping.vendor, mapping);
      else this.exact.set(`${mapping.vendor}\u0000${mapping.vendorSku}`, mapping);
    }
  }

  resolve(vendor: string, vendorSku: string): SkuMapping | undefined {
    return this.exact.get(`${vendor}\u0000${vendorSku}`) ?? this.wildcard.get(vendor);
  }
}

export class UsageSummarizer {
  private readonly accountClient = new Map<string, Client>();
  private readonly skus: SkuResolver;
  private readonly products = new Map<string, Product>();
  private readonly pairs = new Map<string, PairAccumulator>();
  private readonly unknownAccounts = new Map<string, UnmatchedAccumulator>();
  private readonly unmappedSkus = new Map<string, UnmatchedAccumulator>();
  private readonly mismatches = new Map<string, UnmatchedAccumulator>();

  constructor(data: MappingData, private readonly period: Period) {
    const clients = new Map(data.clients.map((c) => [c.clientId, c]));
    for (const account of data.accounts) {
      const client = clients.get(account.clientId);
      if (client) this.accountClient.set(`${account.vendor}\u0000${account.accountId}`, client);
    }
    this.skus = new SkuResolver(data.skuMap);
    for (const product of data.products) this.products.set(product.sku, product);
  }

  /** Adds one record; records of other periods are ignored. */
  add(record: UsageRecord): void {
    if (record.period !== this.period) return;
    const client = this.accountClient.get(`${record.vendor}\u0000${record.accountId}`);
    if (!client) return this.addUnmatched(this.unknownAccounts, record, record.accountId);
    const mapping = this.skus.resolve(record.vendor, record.vendorSku);
    if (!mapping || !this.products.has(mapping.sku)) return this.addUnmatched(this.unmappedSkus, record, record.vendorSku);
    if (record.currency !== undefined && record.currency !== client.currency) {
      return this.addUnmatched(this.mismatches, record, `${client.clientId}|${mapping.sku}`, client.clientId, mapping.sku);
    }
    this.addToPair(client.clientId, mapping, record);
  }

  private addToPair(clientId: string, mapping: SkuMapping, record: UsageRecord): void {
    const key = pairKey(clientId, mapping.sku);
    let pair = this.pairs.get(key);
    if (!pair) {
      pair = { clientId, sku: mapping.sku, rows: 0, daily: new Map(), cost: ZERO, hasCost: false, maxUnitCost: undefined };
      this.pairs.set(key, pair);
    }
    pair.rows += 1;
    const quantity = mapping.factor.equals(1) ? record.quantity : record.quantity.times(mapping.factor);
    const day = pair.daily.get(record.usageDate);
    pair.daily.set(record.usageDate, day === undefined ? quantity : day.plus(quantity));
    const cost = rowCost(record);
    if (cost !== undefined) {
      pair.cost = pair.cost.plus(cost);
      pair.hasCost = true;
    }
    if (record.unitCost !== undefined) {
      const perProductUnit = record.unitCost.div(mapping.factor);
      if (pair.maxUnitCost === undefined || perProductUnit.greaterThan(pair.maxUnitCost)) pair.maxUnitCost = perProductUnit;
    }
  }

  private addUnmatched(
    into: Map<string, UnmatchedAccumulator>, record: UsageRecord, key: string, clientId?: string, sku?: string,
  ): void {
    // One entry per (vendor, key, currency): costs in different currencies are never added up.
    const mapKey = `${record.vendor}\u0000${key}\u0000${record.currency ?? ''}`;
    let entry = into.get(mapKey);
    if (!entry) {
      entry = { vendor: record.vendor, key, clientId, sku, rows: 0, currency: record.currency, cost: ZERO };
      into.set(mapKey, entry);
    }
    entry.rows += 1;
    entry.cost = entry.cost.plus(rowCost(record) ?? ZERO);
  }

  result(): UsageSummary {
    const pairs = new Map<string, PairUsage>();
    for (const [key, acc] of this.pairs) {
      const product = this.products.get(acc.sku);
      pairs.set(key, {
        clientId: acc.clientId,
        sku: acc.sku,
        rows: acc.rows,
        used: aggregateDaily(acc.daily, product?.aggregation ?? 'sum'),
        totalCost: acc.hasCost ? acc.cost : undefined,
        maxUnitCost: acc.maxUnitCost,
      });
    }
    const done = (m: Map<string, UnmatchedAccumulator>): UnmatchedUsage[] =>
      [...m.values()].map((e) => ({ ...e, totalCost: e.cost }));
    return {
      period: this.period,
      pairs,
      unknownAccounts: done(this.unknownAccounts),
      unmappedSkus: done(this.unmappedSkus),
      currencyMismatches: done(this.mismatches),
    };
  }
}

/**
 * Aggregates per-day sums by the product's rule: `sum` all, `max` the largest day, `last` the
 * latest day, `avg` the mean over days with rows rounded half away from zero to 6 places.
 */
export function aggregateDaily(daily: ReadonlyMap<IsoDate, Dec>, aggregation: Aggregation): Dec {
  if (daily.size === 0) return ZERO;
  const days = [...daily.keys()].sort();
  const values = days.map((day) => daily.get(day) as Dec);
  switch (aggregation) {
    case 'sum':
      return sum(values);
    case 'max':
      return Dec.max(...values);
    case 'last':
      return values[values.length - 1] as Dec;
    case 'avg':
      return roundHalfAway(sum(values).div(values.length), 6);
  }
}

/** Convenience for tests and small inputs: summarizes an array of records. */
export function summarizeUsage(data: MappingData, period: Period, records: Iterable<UsageRecord>): UsageSummary {
  const summarizer = new UsageSummarizer(data, period);
  for (const record of records) summarizer.add(record);
  return summarizer.result();
}

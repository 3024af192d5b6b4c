/**
 * Streams usage records of one period into per-pair figures (docs/contract.md §4, mapping and
 * aggregation). Memory is bounded by pairs × days, not by rows, so millions of rows fit.
 *
 * Per row this runs a few map lookups and exact integer additions: the account and sku maps are
 * nested by vendor (no key string built per row), and sums are kept as integer counts of 10^-7
 * (`ExactSum`) for as long as that is exact, giving exactly what decimal.js additions give.
 */
import { Dec, ZERO, roundHalfAway, sum } from './money.js';
import type { IsoDate, Period } from './dates.js';
import type { Account, Aggregation, Client, Product, SkuMapping, UsageRecord } from './billing-types.js';

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

/** A row's cost: its `cost`, else quantity × `unitCost`, else none (docs/contract.md §4). */
export function rowCost(record: Pick<UsageRecord, 'cost' | 'unitCost' | 'quantity'>): Dec | undefined {
  if (record.cost !== undefined) return record.cost;
  if (record.unitCost !== undefined) return record.quantity.times(record.unitCost);
  return undefined;
}

interface PairAccumulator {
  clientId: string;
  sku: string;
  rows: number;
  /**
   * The days of the period with rows, bit d for day d. Their sums are in `dayUnits` (in 10^-7,
   * see unitsOf), or in `dayExact` once a day met a value that does not fit (or a -0, whose
   * sign only decimal.js arithmetic keeps right). One typed array per pair, not an object per
   * day: a row touches as little memory as possible.
   */
  dayMask: number;
  dayUnits: Float64Array | undefined;
  dayExact: (ExactSum | undefined)[] | undefined;
  /** Per-day sums of days outside the period (a vendor's billing period may differ). */
  otherDays: Map<IsoDate, ExactSum> | undefined;
  /** ZERO plus every row's cost: in 10^-7 while `costExact` is undefined. */
  costUnits: number;
  costExact: ExactSum | undefined;
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

function nested<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = outer.get(key);
  if (inner === undefined) outer.set(key, (inner = new Map()));
  return inner;
}

/** Where a mapping leads: its product's number (-1 when its sku is no product) and factor. */
interface Target {
  readonly sku: string;
  readonly product: number;
  /** null for a factor of 1: the quantity is then taken as is. */
  readonly factor: Dec | null;
  readonly mapping: SkuMapping;
}

/**
 * The lookups of one MappingData, numbered: clients and products by position, so that a pair is
 * one integer. Built once and shared by the summarizers of several periods given the same data
 * (their rows then look up one set of maps).
 */
class MappingIndex {
  /** vendor → account id → client number (the last account entry of a pair wins). */
  readonly accounts = new Map<string, Map<string, number>>();
  readonly clients: Client[] = [];
  /** vendor → vendor sku → target, and each vendor's `*` (the last entry wins). */
  readonly exact = new Map<string, Map<string, Target>>();
  readonly wildcard = new Map<string, Target>();
  readonly products = new Map<string, Product>();
  readonly productCount: number;
  private readonly lengths: string;

  constructor(readonly data: MappingData) {
    this.lengths = lengths(data);
    const clients = new Map(data.clients.map((c) => [c.clientId, c]));
    const numbers = new Map<Client, number>();
    for (const account of data.accounts) {
      const client = clients.get(account.clientId);
      if (!client) continue;
      let number = numbers.get(client);
      if (number === undefined) {
        numbers.set(client, (number = this.clients.length));
        this.clients.push(client);
      }
      nested(this.accounts, account.vendor).set(account.accountId, number);
    }
    const productNumbers = new Map<string, number>();
    for (const product of data.products) {
      this.products.set(product.sku, product);
      if (!productNumbers.has(product.sku)) productNumbers.set(product.sku, productNumbers.size);
    }
    this.productCount = productNumbers.size;
    for (const mapping of data.skuMap) {
      const target = {
        sku: mapping.sku,
        product: productNumbers.get(mapping.sku) ?? -1,
        factor: mapping.factor.equals(1) ? null : mapping.factor,
        mapping,
      };
      if (mapping.vendorSku === '*') this.wildcard.set(mapping.vendor, target);
      else nested(this.exact, mapping.vendor).set(mapping.vendorSku, target);
    }
  }

  /** True when built from these very arrays, as they are now. */
  fits(data: MappingData): boolean {
    const built = this.data;
    return (
      built.clients === data.clients &&
      built.accounts === data.accounts &&
      built.products === data.products &&
      built.skuMap === data.skuMap &&
      this.lengths === lengths(data)
    );
  }
}

function lengths(data: MappingData): string {
  return `${data.clients.length},${data.accounts.length},${data.products.length},${data.skuMap.length}`;
}

const INDEXES = new WeakMap<MappingData, MappingIndex>();

function indexOf(data: MappingData): MappingIndex {
  let index = INDEXES.get(data);
  if (index === undefined || !index.fits(data)) INDEXES.set(data, (index = new MappingIndex(data)));
  return index;
}

export class UsageSummarizer {
  private readonly index: MappingIndex;
  private readonly pairs = new Map<string, PairAccumulator>();
  /** The same accumulators by client number × product count + product number. */
  private readonly pairsByNumber = new Map<number, PairAccumulator>();
  private readonly unknownAccounts = new Map<string, UnmatchedAccumulator>();
  private readonly unmappedSkus = new Map<string, UnmatchedAccumulator>();
  private readonly mismatches = new Map<string, UnmatchedAccumulator>();

  constructor(
    data: MappingData,
    private readonly period: Period,
  ) {
    this.index = indexOf(data);
  }

  /** Adds one record; records of other periods are ignored. */
  add(record: UsageRecord): void {
    if (record.period !== this.period) return;
    const index = this.index;
    const clientNumber = index.accounts.get(record.vendor)?.get(record.accountId);
    if (clientNumber === undefined) return this.addUnmatched(this.unknownAccounts, record, record.accountId);
    const target = index.exact.get(record.vendor)?.get(record.vendorSku) ?? index.wildcard.get(record.vendor);
    if (!target || target.product < 0) return this.addUnmatched(this.unmappedSkus, record, record.vendorSku);
    const client = index.clients[clientNumber] as Client;
    if (record.currency !== undefined && record.currency !== client.currency) {
      return this.addUnmatched(
        this.mismatches,
        record,
        `${client.clientId}|${target.sku}`,
        client.clientId,
        target.sku,
      );
    }
    this.addToPair(this.pair(clientNumber, client, target), target, record);
  }

  private addToPair(pair: PairAccumulator, target: Target, record: UsageRecord): void {
    pair.rows += 1;
    const factor = target.factor;
    const quantity = factor === null ? record.quantity : record.quantity.times(factor);
    this.addToDay(pair, record.usageDate, quantity);
    const cost = rowCost(record);
    if (cost !== undefined) {
      addCost(pair, cost);
      pair.hasCost = true;
    }
    const unitCost = record.unitCost;
    // With a factor of 1 the row's unit cost is compared as is (x ÷ 1 is x, sign of zero
    // included, up to the 60 significant digits a division rounds to), and not at all when it
    // is the very instance that is the maximum already.
    if (unitCost !== undefined && (factor !== null || unitCost !== pair.maxUnitCost)) {
      const perProductUnit =
        factor === null && unitCost.d.length <= SHORT_WORDS ? unitCost : unitCost.div(target.mapping.factor);
      if (pair.maxUnitCost === undefined || perProductUnit.greaterThan(pair.maxUnitCost))
        pair.maxUnitCost = perProductUnit;
    }
  }

  private addToDay(pair: PairAccumulator, date: IsoDate, quantity: Dec): void {
    const day = dayOfPeriod(date, this.period);
    if (day > 0) {
      const exact = pair.dayExact?.[day];
      if (exact !== undefined) return exact.add(quantity);
      const bit = 1 << day;
      const units = (pair.dayUnits ??= new Float64Array(32));
      const seen = (pair.dayMask & bit) !== 0;
      const value = unitsOf(quantity);
      const total = seen ? (units[day] as number) + value : value;
      if (Number.isSafeInteger(total) && !isNegativeZero(quantity)) {
        units[day] = total;
        pair.dayMask |= bit;
        return;
      }
      // A value that does not fit, a -0 or a total past 2^53: decimal.js sums this day from
      // here. The sum so far fitted and had no -0, so it is exact (+0 when it is zero).
      let sum: ExactSum;
      if (seen) {
        sum = new ExactSum(fromUnits(units[day] as number));
        sum.add(quantity);
      } else {
        sum = new ExactSum(quantity);
      }
      (pair.dayExact ??= new Array<ExactSum | undefined>(32).fill(undefined))[day] = sum;
      pair.dayMask |= bit;
      return;
    }
    const other = (pair.otherDays ??= new Map());
    const total = other.get(date);
    if (total === undefined) other.set(date, new ExactSum(quantity));
    else total.add(quantity);
  }

  private pair(clientNumber: number, client: Client, target: Target): PairAccumulator {
    const number = clientNumber * this.index.productCount + target.product;
    let pair = this.pairsByNumber.get(number);
    if (pair === undefined) {
      const clientId = client.clientId;
      pair = {
        clientId,
        sku: target.sku,
        rows: 0,
        dayMask: 0,
        dayUnits: undefined,
        dayExact: undefined,
        otherDays: undefined,
        costUnits: 0,
        costExact: undefined,
        hasCost: false,
        maxUnitCost: undefined,
      };
      this.pairsByNumber.set(number, pair);
      this.pairs.set(pairKey(clientId, target.sku), pair);
    }
    return pair;
  }

  private addUnmatched(
    into: Map<string, UnmatchedAccumulator>,
    record: UsageRecord,
    key: string,
    clientId?: string,
    sku?: string,
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
      const product = this.index.products.get(acc.sku);
      const daily = new Map<IsoDate, Dec>();
      for (let day = 1; day < 32; day++) {
        if ((acc.dayMask & (1 << day)) === 0) continue;
        daily.set(
          `${this.period}-${String(day).padStart(2, '0')}`,
          acc.dayExact?.[day]?.value() ?? fromUnits(acc.dayUnits?.[day] ?? 0),
        );
      }
      acc.otherDays?.forEach((total, date) => daily.set(date, total.value()));
      pairs.set(key, {
        clientId: acc.clientId,
        sku: acc.sku,
        rows: acc.rows,
        used: aggregateDaily(daily, product?.aggregation ?? 'sum'),
        totalCost: acc.hasCost ? (acc.costExact?.value() ?? fromUnits(acc.costUnits)) : undefined,
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
 * An exact running sum of Decs, equal in value and sign to adding them left to right with
 * decimal.js (`first.plus(second).plus(…)`), without a decimal.js addition per value while the
 * values have at most 7 decimals and the total stays below 2^53 × 10^-7 (about 9 × 10^8):
 * such a sum is an integer count of 10^-7, which a JS number adds exactly. The first value that
 * does not fit turns the sum into a Dec for good (the additions up to there being exact, the
 * result is the same). decimal.js gives -0 for a sum only when every term is -0.
 */
export class ExactSum {
  /** The only value so far (its own instance is the sum), or the first of several. */
  private readonly first: Dec;
  private count = 1;
  /** The sum in 10^-7 while `exact` is undefined. */
  private units: number;
  private exact: Dec | undefined;
  private allNegativeZero: boolean;

  constructor(first: Dec) {
    this.first = first;
    const units = unitsOf(first);
    this.units = units;
    this.allNegativeZero = isNegativeZero(first);
    if (Number.isNaN(units)) this.exact = first;
  }

  add(value: Dec): void {
    this.count++;
    if (this.exact === undefined) {
      const total = this.units + unitsOf(value);
      if (Number.isSafeInteger(total)) {
        this.units = total;
        if (this.allNegativeZero && !isNegativeZero(value)) this.allNegativeZero = false;
        return;
      }
      this.exact = this.fromUnits();
    }
    this.exact = this.exact.plus(value);
  }

  value(): Dec {
    if (this.exact !== undefined) return this.exact;
    return this.count === 1 ? this.first : this.fromUnits();
  }

  private fromUnits(): Dec {
    return this.units === 0 && this.allNegativeZero ? NEGATIVE_ZERO : fromUnits(this.units);
  }
}

/** ZERO plus the row costs of a pair, as decimal.js would add them (never -0: it starts at +0). */
function addCost(pair: PairAccumulator, cost: Dec): void {
  if (pair.costExact !== undefined) return pair.costExact.add(cost);
  const total = pair.costUnits + unitsOf(cost);
  if (Number.isSafeInteger(total)) {
    pair.costUnits = total;
    return;
  }
  pair.costExact = new ExactSum(fromUnits(pair.costUnits));
  pair.costExact.add(cost);
}

/** The Dec of an exact count of 10^-7 (+0 for zero). */
function fromUnits(units: number): Dec {
  return units === 0 ? ZERO : new Dec(`${units}e-${UNIT_DIGITS}`);
}

/**
 * The day of the month of `date` when it is a `YYYY-MM-DD` date of `period`, else 0. (A day
 * outside 1–31 never reaches here: usage dates are real dates.)
 */
function dayOfPeriod(date: IsoDate, period: Period): number {
  if (date.length !== 10 || date.charCodeAt(7) !== 45 /* - */ || !startsWithPeriod(date, period)) return 0;
  const tens = date.charCodeAt(8) - 48;
  const ones = date.charCodeAt(9) - 48;
  if (tens < 0 || tens > 3 || ones < 0 || ones > 9) return 0;
  const day = tens * 10 + ones;
  return day <= 31 ? day : 0;
}

/** date.startsWith(period) for a 7-character period, compared in place (a call to startsWith costs more per row). */
function startsWithPeriod(date: string, period: Period): boolean {
  if (period.length !== 7) return date.startsWith(period);
  for (let i = 0; i < 7; i++) if (date.charCodeAt(i) !== period.charCodeAt(i)) return false;
  return true;
}

const UNIT_DIGITS = 7;
/** Decs of at most this many base-10^7 words have at most 56 significant digits: below Dec's precision. */
const SHORT_WORDS = 8;
const WORD = 1e7;
const NEGATIVE_ZERO = new Dec(-0);

function isNegativeZero(value: Dec): boolean {
  return value.s === -1 && value.isZero();
}

/**
 * `value` × 10^7 as an exact safe integer, or NaN. decimal.js keeps a value as base-10^7 words
 * (`d`) aligned on the decimal point, `e` being the base-10 exponent of the first digit: word k
 * is worth words[k] × 10^(7 × (⌊e / 7⌋ − k)), and trailing zero words are dropped. So the value
 * has at most 7 decimals exactly when no word lies below 10^-7.
 */
function unitsOf(value: Dec): number {
  const words = value.d;
  if (!words) return Number.NaN; // NaN or ±Infinity
  const last = words.length - 1;
  // The power of 10^7 that words[0] is worth once the value is multiplied by 10^7.
  const top = Math.floor(value.e / UNIT_DIGITS) + 1;
  if (top > 2 || top < last) return Number.NaN;
  let units = 0;
  for (let k = 0; k <= last; k++) units = units * WORD + (words[k] as number);
  for (let power = top - last; power > 0; power--) units *= WORD;
  if (!Number.isSafeInteger(units)) return Number.NaN;
  return value.s < 0 ? -units : units;
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

/**
 * Synthetic MSP data for the benchmarks, generated in memory (deterministic, seeded):
 * `clients` clients with 8 agreement lines each over 16 products, accounts at five vendors,
 * and usage rows written as normalized records straight into the artifacts bucket's
 * `normalized/<period>/<sha256>.<part>.ndjson` layout (functions/app/bucket-layout.ts), as the ingest
 * path leaves them. About 9 pairs in 10 match; the rest are true-ups, credits, missing usage,
 * unknown accounts and unmapped skus, so every reconciliation branch is exercised.
 */
import { createHash } from 'node:crypto';
import type { Deps } from '../functions/app/deps.js';
import { normalizedKey, writeSeal } from '../functions/app/bucket-layout.js';
import { Dec } from '../functions/domain/money.js';
import type {
  Account,
  Aggregation,
  Agreement,
  Client,
  Product,
  ReferenceData,
  Settings,
  SkuMapping,
} from '../functions/domain/billing-types.js';
import { Rng } from './common.js';

const d = (value: string | number): Dec => new Dec(value);

export const SETTINGS: Settings = {
  msp: { name: 'Bench MSP', email: 'billing@bench-msp.example', address: '1 Bench St, Springfield' },
  timezone: 'America/Chicago',
  currency: 'USD',
  invoice: { prefix: 'INV', paymentTermsDays: 30, recurringTiming: 'advance' },
  reports: { recipients: ['billing@bench-msp.example'], agingWeekday: 1 },
  dunning: {
    steps: [
      { name: 'reminder', offsetDays: -3 },
      { name: 'due', offsetDays: 0 },
      { name: 'overdue_1', offsetDays: 7 },
      { name: 'overdue_2', offsetDays: 14, lateFee: { percent: d('1.5'), minimum: d(0) } },
      { name: 'final', offsetDays: 30 },
    ],
  },
};

interface ProductSpec {
  readonly sku: string;
  readonly aggregation: Aggregation;
  readonly vendor: string;
  readonly vendorSku: string;
  readonly price: string;
  readonly costPlus?: boolean;
  /** Rows carry a unit cost (Microsoft-style) or a cost (AWS-style). */
  readonly costs?: 'unit' | 'total';
}

const PRODUCTS: readonly ProductSpec[] = [
  {
    sku: 'M365-BP',
    aggregation: 'max',
    vendor: 'microsoft',
    vendorSku: 'CFQ7TTC0LCHC:0002',
    price: '26.00',
    costs: 'unit',
  },
  {
    sku: 'M365-BB',
    aggregation: 'max',
    vendor: 'microsoft',
    vendorSku: 'CFQ7TTC0LH18:0001',
    price: '7.50',
    costs: 'unit',
  },
  {
    sku: 'M365-E3',
    aggregation: 'max',
    vendor: 'microsoft',
    vendorSku: 'CFQ7TTC0LFLX:0001',
    price: '39.00',
    costs: 'unit',
  },
  {
    sku: 'COPILOT',
    aggregation: 'max',
    vendor: 'microsoft',
    vendorSku: 'CFQ7TTC0MM8R:0002',
    price: '33.00',
    costs: 'unit',
  },
  {
    sku: 'AZURE',
    aggregation: 'sum',
    vendor: 'microsoft',
    vendorSku: 'DZH318Z0BPS6:0001',
    price: '0',
    costPlus: true,
    costs: 'total',
  },
  { sku: 'AWS', aggregation: 'sum', vendor: 'aws', vendorSku: '*', price: '0', costPlus: true, costs: 'total' },
  { sku: 'MANAGED-WS', aggregation: 'max', vendor: 'ninjaone', vendorSku: 'WINDOWS_WORKSTATION', price: '45.00' },
  { sku: 'MANAGED-SRV', aggregation: 'max', vendor: 'ninjaone', vendorSku: 'WINDOWS_SERVER', price: '120.00' },
  { sku: 'MANAGED-MAC', aggregation: 'max', vendor: 'ninjaone', vendorSku: 'MAC', price: '45.00' },
  { sku: 'EDR', aggregation: 'max', vendor: 'ninjaone', vendorSku: 'EDR_AGENT', price: '6.00' },
  { sku: 'BACKUP-GB', aggregation: 'avg', vendor: 'backblaze', vendorSku: 'b2-storage-gb', price: '0.15' },
  { sku: 'BACKUP-SRV', aggregation: 'last', vendor: 'backblaze', vendorSku: 'b2-server-agent', price: '25.00' },
  { sku: 'SUPPORT-HR', aggregation: 'sum', vendor: 'halopsa', vendorSku: 'labor-hours', price: '145.00' },
  { sku: 'ONSITE-HR', aggregation: 'sum', vendor: 'halopsa', vendorSku: 'onsite-hours', price: '165.00' },
  { sku: 'VOIP-SEAT', aggregation: 'max', vendor: 'pax8', vendorSku: 'VOIP-SEAT-01', price: '22.00', costs: 'unit' },
  { sku: 'PHISH-TRAIN', aggregation: 'max', vendor: 'pax8', vendorSku: 'KNOWBE4-STD', price: '3.50', costs: 'unit' },
];
const VENDORS = ['microsoft', 'aws', 'ninjaone', 'backblaze', 'halopsa', 'pax8'] as const;
export const LINES_PER_CLIENT = 8;

export const clientId = (i: number): string => `C${String(i + 1).padStart(6, '0')}`;
const accountId = (vendor: string, i: number): string => `${vendor.slice(0, 3)}-${String(i + 1).padStart(7, '0')}`;

/** Reference data: clients, one account per vendor per client, products, sku map, 8 lines per client. */
export function generateReference(clients: number): ReferenceData {
  const rng = new Rng('reference');
  const clientList: Client[] = [];
  const accounts: Account[] = [];
  const agreements: Agreement[] = [];
  for (let i = 0; i < clients; i++) {
    const id = clientId(i);
    clientList.push({
      clientId: id,
      name: `Client ${i + 1} LLC`,
      billingEmails:
        i % 7 === 0
          ? [`ap@${id.toLowerCase()}.example`, `cfo@${id.toLowerCase()}.example`]
          : [`ap@${id.toLowerCase()}.example`],
      currency: 'USD',
      paymentTermsDays: 30,
      taxRate: d(i % 4 === 0 ? '8.25' : '0'),
      dunning: i % 20 === 0 ? 'none' : 'standard',
    });
    for (const vendor of VENDORS) accounts.push({ vendor, accountId: accountId(vendor, i), clientId: id });
    for (const [k, spec] of productsOf(i).entries()) {
      agreements.push({
        agreementId: `${id}-L${k + 1}`,
        clientId: id,
        sku: spec.sku,
        quantity: d(spec.costPlus ? 0 : rng.int(2, 120)),
        unitPrice: d(spec.price),
        pricing: spec.costPlus ? 'cost_plus' : 'per_unit',
        markupPercent: d(spec.costPlus ? 12 : 0),
        startDate: '2025-01-01',
        billingFrequency: k === 7 && i % 10 === 0 ? 'annual' : 'monthly',
        trueUp: rng.pick(['bill', 'bill', 'bill', 'flag', 'credit'] as const),
        tolerance: d(spec.aggregation === 'avg' ? 5 : 0),
      });
    }
  }
  const products: Product[] = PRODUCTS.map((p) => ({
    sku: p.sku,
    name: p.sku.replace(/-/g, ' '),
    unit: 'unit',
    aggregation: p.aggregation,
    listPrice: p.costPlus ? undefined : d(p.price),
  }));
  const skuMap: SkuMapping[] = PRODUCTS.map((p) => ({
    vendor: p.vendor,
    vendorSku: p.vendorSku,
    sku: p.sku,
    factor: d(1),
  }));
  return { settings: SETTINGS, clients: clientList, accounts, products, skuMap, agreements };
}

/** The 8 products of client i: a rotation through the 16, so every product is used. */
function productsOf(i: number): ProductSpec[] {
  return Array.from({ length: LINES_PER_CLIENT }, (_, k) => PRODUCTS[(i + k * 2) % PRODUCTS.length] as ProductSpec);
}

/**
 * Writes `rows` normalized usage records of `period` as NDJSON objects of at most
 * `rowsPerFile` records (~8 MB: the stand-in's S3 takes at most 11 MiB in one PUT) under
 * normalized/<period>/, spread evenly over every (client, line) pair and the days of the
 * period. Returns the number of records written.
 */
export async function writeUsage(
  deps: Deps,
  reference: ReferenceData,
  period: string,
  rows: number,
  rowsPerFile = 40_000,
): Promise<number> {
  const rng = new Rng(`usage:${period}`);
  const clients = reference.clients.length;
  const agreementByKey = new Map(reference.agreements.map((a) => [`${a.clientId}|${a.sku}`, a]));
  const pairs = clients * LINES_PER_CLIENT;
  const perFile = rowsPerFile;
  let written = 0;
  let buffer: string[] = [];
  let fileNo = 0;
  const flush = async (): Promise<void> => {
    if (buffer.length === 0) return;
    const sha = createHash('sha256').update(`bench:${period}:${fileNo}`).digest('hex');
    // One part and its seal: the billing run reads sealed parts only.
    await deps.artifacts.put(normalizedKey(period, sha, 0), buffer.join(''), 'application/x-ndjson');
    await writeSeal(deps.artifacts, period, sha, { records: 1, refs: 0 });
    buffer = [];
    fileNo += 1;
  };
  // Pair p gets rows p, p + pairs, p + 2·pairs, …: one per day for daily-reading products.
  const outcome = new Map<number, 'over' | 'under' | 'missing' | 'unknown_account' | 'unmapped' | 'match'>();
  for (let p = 0; p < pairs; p++) {
    const r = rng.next();
    outcome.set(
      p,
      r < 0.04
        ? 'under'
        : r < 0.06
          ? 'over'
          : r < 0.07
            ? 'missing'
            : r < 0.075
              ? 'unknown_account'
              : r < 0.08
                ? 'unmapped'
                : 'match',
    );
  }
  const days = 28;
  for (let row = 0; row < rows; row++) {
    const p = row % pairs;
    const round = Math.floor(row / pairs);
    const ci = Math.floor(p / LINES_PER_CLIENT);
    const spec = productsOf(ci)[p % LINES_PER_CLIENT] as ProductSpec;
    const client = clientId(ci);
    const agreement = agreementByKey.get(`${client}|${spec.sku}`);
    const contracted = Number(agreement?.quantity.toString() ?? '0');
    const fate = outcome.get(p) ?? 'match';
    const day = String((round % days) + 1).padStart(2, '0');
    let account = accountId(spec.vendor, ci);
    let vendorSku = spec.vendorSku === '*' ? `AmazonEC2:BoxUsage:t3.medium-${round % 5}` : spec.vendorSku;
    if (fate === 'unknown_account' || fate === 'missing') account = `${spec.vendor.slice(0, 3)}-unknown-${ci}`; // missing: the pair's rows go astray
    if (fate === 'unmapped' && spec.vendorSku !== '*') vendorSku = `${spec.vendorSku}-NEW`;
    let quantity: string;
    const rowsOfPair = Math.ceil((rows - p) / pairs);
    if (spec.costPlus) quantity = (rng.int(1, 5000) / 100).toFixed(2);
    else if (spec.aggregation === 'sum') {
      // Hours: the rows add up to the contracted quantity (± on under/over).
      const target = contracted + (fate === 'under' ? 3 : fate === 'over' ? -Math.min(2, contracted) : 0);
      const share = Math.floor((target * 100) / rowsOfPair) / 100;
      quantity = (round === rowsOfPair - 1 ? Math.max(0, target - share * (rowsOfPair - 1)) : share).toFixed(2);
    } else {
      const level = contracted + (fate === 'under' ? 2 : fate === 'over' ? -Math.min(1, contracted) : 0);
      quantity = String(spec.aggregation === 'avg' ? level + (round % 3) - 1 : level);
    }
    const costs =
      spec.costs === 'unit'
        ? `,"unitCost":"${(Number(spec.price) * (fate === 'over' ? 1.2 : 0.8)).toFixed(2)}","currency":"USD"`
        : spec.costs === 'total'
          ? `,"cost":"${quantity}","currency":"USD"`
          : '';
    buffer.push(
      `{"vendor":"${spec.vendor}","accountId":"${account}","vendorSku":"${vendorSku}","quantity":"${quantity}","usageDate":"${period}-${day}","period":"${period}"${costs},"reference":"R${period}-${row}","source":{"file":"bench-${fileNo}.csv","line":${(row % perFile) + 2}}}\n`,
    );
    written += 1;
    if (buffer.length >= perFile) await flush();
  }
  await flush();
  return written;
}

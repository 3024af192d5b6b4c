/**
 * Writes the demo data folder `examples/acme-it` (docs/contract.md §2 and §3): the settings, the
 * reference CSVs, one payments file and the vendor usage files of "Acme IT", a small MSP with
 * 25 clients, for the usage periods 2025-12 … 2026-03 that the demo's four billing runs
 * (2026-01-01 … 2026-04-01) reconcile.
 *
 *   npx tsx examples/generate-acme-it.ts            # rewrite the folder
 *   npx tsx examples/generate-acme-it.ts --story    # also print the expected story
 *
 * Deterministic: every random choice comes from a seeded PRNG keyed by what it is for, so the
 * output is byte for byte the same on every run and machine. Invoice numbers and payment
 * amounts are not guessed: a small model of docs/contract.md §4–7 (reconciliation, invoices,
 * payments, dunning) runs day by day over the demo window and the payments are written from it.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { Decimal } from 'decimal.js';
import { SeededRandom, seedOf } from '../functions/text/seeded-random.js';

const D = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -40, toExpPos: 40 });
type D = InstanceType<typeof D>;
const ZERO = new D(0);

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, 'acme-it');
const SAMPLE = join(HERE, '..', '..', 'shared', 'samples', 'aws-cur', 'sample-cur20_synthetic_sbroenne.csv');
const SAMPLE_NAME = 'sample-cur20_synthetic_sbroenne.csv';
/** docs/sources.md: one pull source, and the vendors whose usage must arrive every month. */
const SOURCES = {
  sources: [{ name: 'aws-exports', type: 's3', schedule: 'rate(1 day)', bucket: 'acme-aws-exports', prefix: 'cur2/' }],
  expectedFeeds: [{ vendor: 'microsoft', dayOfMonth: 1 }, { vendor: 'pax8', dayOfMonth: 1 }, { vendor: 'ninjaone' }],
};

const PERIODS = ['2025-12', '2026-01', '2026-02', '2026-03'] as const;
type Period = (typeof PERIODS)[number] | string;
const DEMO_FROM = '2026-01-01';
const DEMO_TO = '2026-04-10';

// ---------------------------------------------------------------------------------------------
// Deterministic randomness: one mulberry32 stream per purpose, seeded from a name.

class Rng extends SeededRandom {
  constructor(name: string) {
    super(`acme-it:${name}`);
  }
  hex(length: number): string {
    let s = '';
    while (s.length < length) s += this.int(0, 15).toString(16);
    return s;
  }
  guid(): string {
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${this.pick(['8', '9', 'a', 'b'])}${this.hex(3)}-${this.hex(12)}`;
  }
  digits(length: number): string {
    let s = String(this.int(1, 9));
    while (s.length < length) s += String(this.int(0, 9));
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Dates (plain YYYY-MM-DD strings; arithmetic in UTC so no time zone can shift a day).

function addDays(date: string, days: number): string {
  const t = Date.UTC(+date.slice(0, 4), +date.slice(5, 7) - 1, +date.slice(8, 10)) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}
function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
function daysIn(period: Period): number {
  return new Date(Date.UTC(+period.slice(0, 4), +period.slice(5, 7), 0)).getUTCDate();
}
function firstDay(period: Period): string {
  return `${period}-01`;
}
function lastDay(period: Period): string {
  return `${period}-${String(daysIn(period)).padStart(2, '0')}`;
}
function addMonths(period: Period, n: number): string {
  const m = +period.slice(0, 4) * 12 + (+period.slice(5, 7) - 1) + n;
  return `${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
}
function monthsBetween(from: Period, to: Period): number {
  return (+to.slice(0, 4) - +from.slice(0, 4)) * 12 + (+to.slice(5, 7) - +from.slice(5, 7));
}
function* eachDay(from: string, to: string): Generator<string> {
  for (let d = from; d <= to; d = addDays(d, 1)) yield d;
}
function isWeekday(date: string): boolean {
  const w = new Date(`${date}T00:00:00Z`).getUTCDay();
  return w !== 0 && w !== 6;
}

const money = (v: D): D => v.toDecimalPlaces(2, D.ROUND_HALF_UP);
const fmt2 = (v: D): string => money(v).toFixed(2);
const q = (v: D): string => v.toFixed();

// ---------------------------------------------------------------------------------------------
// The business: settings, products, vendor skus.

const SETTINGS = {
  msp: {
    name: 'Acme IT',
    email: 'billing@acme-it.example',
    address: '1200 Commerce St, Suite 400\nDallas, TX 75202',
    phone: '+1 214-555-0142',
    taxId: 'EIN 75-3141592',
    senderName: 'Acme IT',
    logo: 'acme-it-logo.png',
  },
  locale: 'en-US',
  timezone: 'America/Chicago',
  currency: 'USD',
  invoice: {
    prefix: 'INV',
    paymentTermsDays: 30,
    recurringTiming: 'advance',
    paymentInstructions:
      'ACH or wire to Acme IT LLC, Lone Star Commerce Bank\nRouting (ABA) 111000025 · Account 4820193755\nInternational wires: SWIFT LSCBUS44',
    remitTo: 'Acme IT LLC\nPO Box 226014\nDallas, TX 75222',
  },
  reports: { recipients: ['billing@acme-it.example', 'owner@acme-it.example'], agingWeekday: 1 },
  dunning: {
    steps: [
      { name: 'reminder', offsetDays: -3 },
      { name: 'due', offsetDays: 0 },
      { name: 'overdue_1', offsetDays: 7 },
      { name: 'overdue_2', offsetDays: 14, lateFee: { percent: '1.5', minimum: '25' } },
      { name: 'final', offsetDays: 30 },
    ],
  },
} as const;
const STEPS = SETTINGS.dunning.steps;
const FEE_STEP = STEPS.findIndex((s) => 'lateFee' in s);

type Aggregation = 'sum' | 'max' | 'last' | 'avg';
interface Product {
  sku: string;
  name: string;
  unit: string;
  aggregation: Aggregation;
  listPrice?: string;
}
const PRODUCTS: Product[] = [
  { sku: 'AWS', name: 'AWS consumption', unit: 'USD of usage', aggregation: 'sum' },
  { sku: 'AZURE', name: 'Azure consumption', unit: 'USD of usage', aggregation: 'sum' },
  { sku: 'BACKUP-GB', name: 'Cloud backup storage', unit: 'GB', aggregation: 'avg', listPrice: '0.15' },
  { sku: 'M365-BB', name: 'Microsoft 365 Business Basic', unit: 'seat', aggregation: 'max', listPrice: '7.50' },
  { sku: 'M365-BP', name: 'Microsoft 365 Business Premium', unit: 'seat', aggregation: 'max', listPrice: '26.00' },
  {
    sku: 'MANAGED-DEVICE',
    name: 'Managed device (monitoring, patching, EDR)',
    unit: 'device',
    aggregation: 'max',
    listPrice: '45.00',
  },
  { sku: 'SUPPORT-HR', name: 'Support hours', unit: 'hour', aggregation: 'sum', listPrice: '145.00' },
];
const AGGREGATION = new Map(PRODUCTS.map((p) => [p.sku, p.aggregation]));
const LIST_PRICE = new Map(PRODUCTS.filter((p) => p.listPrice).map((p) => [p.sku, new D(p.listPrice as string)]));

const MS = {
  BP: {
    productId: 'CFQ7TTC0LCHC',
    skuId: '0002',
    name: 'Microsoft 365 Business Premium',
    list: '22.00',
    cost: '19.80',
  },
  BB: { productId: 'CFQ7TTC0LH18', skuId: '0001', name: 'Microsoft 365 Business Basic', list: '6.00', cost: '5.40' },
  COPILOT: { productId: 'CFQ7TTC0MM8R', skuId: '0002', name: 'Microsoft 365 Copilot', list: '30.00', cost: '27.00' },
  AZURE: { productId: 'DZH318Z0BPS6', skuId: '0001', name: 'Azure plan' },
} as const;
const PAX8 = {
  BP: { sku: 'MST-NCE-35-C100', cost: '19.80' },
  BB: { sku: 'MST-NCE-36-C100', cost: '5.40' },
} as const;
const BYTES_TO_GB = '0.000000001';
const MINUTES_TO_HOURS = '0.0166666667';

interface SkuMapping {
  vendor: string;
  vendorSku: string;
  sku: string;
  factor?: string;
}
const SKU_MAP: SkuMapping[] = [
  { vendor: 'microsoft', vendorSku: `${MS.BP.productId}:${MS.BP.skuId}`, sku: 'M365-BP' },
  { vendor: 'microsoft', vendorSku: `${MS.BB.productId}:${MS.BB.skuId}`, sku: 'M365-BB' },
  { vendor: 'microsoft', vendorSku: `${MS.AZURE.productId}:${MS.AZURE.skuId}`, sku: 'AZURE' },
  { vendor: 'pax8', vendorSku: PAX8.BP.sku, sku: 'M365-BP', factor: '1' },
  { vendor: 'pax8', vendorSku: PAX8.BB.sku, sku: 'M365-BB', factor: '1' },
  { vendor: 'aws', vendorSku: '*', sku: 'AWS' },
  { vendor: 'ninjaone', vendorSku: 'WINDOWS_WORKSTATION', sku: 'MANAGED-DEVICE' },
  { vendor: 'ninjaone', vendorSku: 'WINDOWS_SERVER', sku: 'MANAGED-DEVICE' },
  { vendor: 'ninjaone', vendorSku: 'MAC', sku: 'MANAGED-DEVICE' },
  { vendor: 'backblaze', vendorSku: 'b2-storage-bytes', sku: 'BACKUP-GB', factor: BYTES_TO_GB },
  { vendor: 'halopsa', vendorSku: 'labor-minutes', sku: 'SUPPORT-HR', factor: MINUTES_TO_HOURS },
];

// ---------------------------------------------------------------------------------------------
// The clients. `usage` gives, per sku, the aggregated usage to produce in 2025-12, 2026-01,
// 2026-02, 2026-03 (null: no rows at all); `lines` are the agreement lines.

interface LineSpec {
  sku: string;
  qty: string;
  price: string;
  start: string;
  end?: string;
  freq?: 'monthly' | 'quarterly' | 'annual';
  trueUp?: 'bill' | 'flag' | 'credit';
  tol?: string;
  markup?: string;
  description?: string;
  suffix?: string;
}
interface ClientSpec {
  id: string;
  name: string;
  emails: string[];
  currency: 'USD' | 'CAD' | 'EUR';
  terms?: number;
  tax?: string;
  dunning?: 'none';
  m365?: 'microsoft' | 'pax8';
  aws?: string;
  devicesFrom?: string;
  servers?: number;
  lines: LineSpec[];
  usage: Record<string, (number | null)[]>;
}
/** What some clients print on their invoices: postal address, purchase order, tax id. */
const CLIENT_DOCUMENTS: Readonly<Record<string, { address?: string; po?: string; taxId?: string }>> = {
  'alder-dental': { address: '4410 Alder Creek Pkwy, Suite 120\nPlano, TX 75024' },
  'bayou-freight': { address: '8800 Port Rd\nHouston, TX 77029', po: 'BF-2026-0117' },
  'frontier-roofing': { address: '215 Ranch Rd 12\nSan Marcos, TX 78666' },
  'maple-leaf-supply': {
    address: '77 King St W, Unit 900\nToronto, ON M5K 1A2\nCanada',
    taxId: 'GST 81234 5678 RT0001',
  },
  'rheinwerk-consulting': { address: 'Rheinuferstraße 9\n50678 Köln\nDeutschland', taxId: 'USt-IdNr. DE271828182' },
};

/**
 * The logo (`msp.logo`): a 240×96 PNG drawn here, so the folder stays generated byte for byte
 * (zlib's deflate is deterministic for the same input and level).
 */
function logoPng(): Buffer {
  const width = 240;
  const height = 96;
  const navy = [30, 58, 138];
  const teal = [20, 184, 166];
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y += 1) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    for (let x = 0; x < width; x += 1) {
      // A navy "A" (two legs and a bar) in a 96×96 square, then three teal bars of falling height.
      const u = x - 48;
      const leg = Math.abs(Math.abs(u) - (y - 8) * 0.42) < 7 && y > 8 && y < 88;
      const bar = y > 56 && y < 66 && Math.abs(u) < (y - 8) * 0.42;
      const bars = [0, 1, 2].some((i) => x >= 110 + i * 40 && x < 136 + i * 40 && y >= 24 + i * 18 && y < 88);
      const colour = leg || bar ? navy : bars ? teal : undefined;
      const at = y * (width * 4 + 1) + 1 + x * 4;
      if (colour) raw.set([...colour, 255], at);
    }
  }
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer): number => {
    let c = 0xffffffff;
    for (const b of bytes) c = (crcTable[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const cp = (markup: string, description: string): LineSpec => ({
  sku: '',
  qty: '1',
  price: '0',
  start: '2024-06-01',
  markup,
  description,
});

const CLIENTS: ClientSpec[] = [
  {
    id: 'alder-dental',
    name: 'Alder Creek Dental Group',
    emails: ['ap@alderdental.example', 'office.manager@alderdental.example'],
    currency: 'USD',
    m365: 'microsoft',
    servers: 1,
    lines: [
      { sku: 'M365-BP', qty: '18', price: '26.00', start: '2024-03-01', tol: '0' },
      { sku: 'MANAGED-DEVICE', qty: '22', price: '45.00', start: '2024-03-01', tol: '2' },
      { sku: 'BACKUP-GB', qty: '400', price: '0.15', start: '2024-03-01', tol: '25' },
    ],
    usage: { 'M365-BP': [18, 19, 19, 19], 'MANAGED-DEVICE': [21, 22, 23, 22], 'BACKUP-GB': [382, 396, 411, 418] },
  },
  {
    id: 'bayou-freight',
    name: 'Bayou Freight & Logistics',
    emails: ['payables@bayoufreight.example'],
    currency: 'USD',
    terms: 45,
    m365: 'pax8',
    servers: 2,
    lines: [
      { sku: 'M365-BP', qty: '35', price: '25.50', start: '2023-09-01', tol: '1' },
      {
        sku: 'MANAGED-DEVICE',
        qty: '40',
        price: '42.00',
        start: '2025-10-01',
        freq: 'quarterly',
        tol: '2',
        description: 'Managed devices (billed quarterly)',
      },
      {
        sku: 'SUPPORT-HR',
        qty: '10',
        price: '125.00',
        start: '2023-09-01',
        trueUp: 'flag',
        tol: '2',
        description: 'Support block, 10 hours a month',
      },
    ],
    usage: { 'M365-BP': [35, 35, 36, 38], 'MANAGED-DEVICE': [40, 41, 39, 40], 'SUPPORT-HR': [9, 11.5, 13, 10] },
  },
  {
    id: 'birch-law',
    name: 'Birch, Hale and Moreno LLP',
    emails: ['accounting@birchlaw.example', 'rmoreno@birchlaw.example'],
    currency: 'USD',
    terms: 15,
    m365: 'microsoft',
    servers: 1,
    lines: [
      {
        sku: 'M365-BP',
        qty: '12',
        price: '28.00',
        start: '2025-03-01',
        freq: 'annual',
        tol: '0',
        description: 'Microsoft 365 Business Premium (annual, prepaid)',
      },
      { sku: 'MANAGED-DEVICE', qty: '14', price: '45.00', start: '2024-05-01', tol: '1' },
      { sku: 'BACKUP-GB', qty: '250', price: '0.15', start: '2024-05-01', trueUp: 'credit', tol: '25' },
    ],
    usage: { 'M365-BP': [12, 12, 12, 12], 'MANAGED-DEVICE': [14, 14, 15, 14], 'BACKUP-GB': [241, 232, 209, 204] },
  },
  {
    id: 'cedar-pediatrics',
    name: 'Cedar Grove Pediatrics',
    emails: ['billing@cedargrovepeds.example'],
    currency: 'USD',
    m365: 'microsoft',
    servers: 2,
    lines: [
      { sku: 'M365-BP', qty: '30', price: '26.00', start: '2024-01-01', tol: '1' },
      { sku: 'MANAGED-DEVICE', qty: '34', price: '45.00', start: '2024-01-01', tol: '2' },
      {
        sku: 'BACKUP-GB',
        qty: '800',
        price: '0.15',
        start: '2025-12-01',
        freq: 'quarterly',
        tol: '50',
        description: 'Cloud backup storage (billed quarterly)',
      },
      { sku: 'SUPPORT-HR', qty: '6', price: '125.00', start: '2024-01-01', trueUp: 'flag', tol: '2' },
    ],
    usage: {
      'M365-BP': [30, 30, 31, 30],
      'MANAGED-DEVICE': [34, 36, 37, 37],
      'BACKUP-GB': [791, 806, 822, 843],
      'SUPPORT-HR': [5, 7, 6, 9],
    },
  },
  {
    id: 'copper-kettle',
    name: 'Copper Kettle Bakery',
    emails: ['owner@copperkettle.example'],
    currency: 'USD',
    terms: 15,
    m365: 'microsoft',
    lines: [
      {
        sku: 'M365-BP',
        qty: '6',
        price: '18.50',
        start: '2023-04-01',
        tol: '0',
        description: 'Microsoft 365 Business Premium (2023 promo price)',
      },
      { sku: 'MANAGED-DEVICE', qty: '5', price: '45.00', start: '2023-04-01', tol: '1' },
    ],
    usage: { 'M365-BP': [6, 6, 6, 6], 'MANAGED-DEVICE': [5, 5, 5, 6] },
  },
  {
    id: 'dalton-cpa',
    name: 'Dalton CPA Partners',
    emails: ['ap@daltoncpa.example'],
    currency: 'USD',
    m365: 'pax8',
    servers: 1,
    lines: [
      { sku: 'M365-BP', qty: '25', price: '26.00', start: '2024-08-01', trueUp: 'credit', tol: '0' },
      { sku: 'MANAGED-DEVICE', qty: '28', price: '45.00', start: '2024-08-01', tol: '2' },
      {
        sku: 'SUPPORT-HR',
        qty: '8',
        price: '125.00',
        start: '2025-10-01',
        freq: 'quarterly',
        trueUp: 'flag',
        tol: '2',
        description: 'Support block, 8 hours a month (billed quarterly)',
      },
    ],
    usage: { 'M365-BP': [25, 25, 22, 25], 'MANAGED-DEVICE': [28, 29, 30, 30], 'SUPPORT-HR': [9, 14, 12.5, 7] },
  },
  {
    id: 'elm-street-vet',
    name: 'Elm Street Veterinary Clinic',
    emails: ['frontdesk@elmstreetvet.example'],
    currency: 'USD',
    m365: 'microsoft',
    lines: [
      { sku: 'M365-BB', qty: '10', price: '7.50', start: '2024-02-01', tol: '0' },
      { sku: 'MANAGED-DEVICE', qty: '12', price: '45.00', start: '2024-02-01', tol: '1' },
      { sku: 'BACKUP-GB', qty: '300', price: '0.15', start: '2024-02-01', tol: '25' },
    ],
    usage: { 'M365-BB': [10, 10, 10, 10], 'MANAGED-DEVICE': [12, 12, 13, 12], 'BACKUP-GB': [291, 299, 305, 311] },
  },
  {
    id: 'frontier-roofing',
    name: 'Frontier Roofing Co.',
    emails: ['office@frontierroofing.example'],
    currency: 'USD',
    tax: '8.25',
    m365: 'pax8',
    lines: [
      { sku: 'M365-BB', qty: '15', price: '7.50', start: '2025-05-01', tol: '1' },
      { sku: 'MANAGED-DEVICE', qty: '18', price: '45.00', start: '2025-05-01', tol: '2' },
    ],
    usage: { 'M365-BB': [15, 16, 15, 15], 'MANAGED-DEVICE': [18, 18, 21, 19] },
  },
  {
    id: 'granite-eng',
    name: 'Granite Peak Engineering',
    emails: ['ap@granitepeak.example'],
    currency: 'USD',
    terms: 45,
    m365: 'microsoft',
    aws: '123456789012',
    servers: 3,
    lines: [
      { sku: 'M365-BP', qty: '40', price: '26.00', start: '2023-11-01', tol: '1' },
      { sku: 'MANAGED-DEVICE', qty: '55', price: '45.00', start: '2023-11-01', tol: '3' },
      {
        sku: 'BACKUP-GB',
        qty: '2000',
        price: '0.12',
        start: '2023-11-01',
        tol: '100',
        description: 'Cloud backup storage (volume price)',
      },
      { ...cp('15', 'AWS consumption + 15 %'), sku: 'AWS' },
    ],
    usage: { 'M365-BP': [40, 41, 42, 43], 'MANAGED-DEVICE': [54, 55, 57, 56], 'BACKUP-GB': [1952, 2041, 2088, 2091] },
  },
  {
    id: 'harbor-insurance',
    name: 'Harbor Point Insurance Agency',
    emails: ['accounting@harborpoint.example'],
    currency: 'USD',
    m365: 'microsoft',
    servers: 1,
    lines: [
      { sku: 'M365-BP', qty: '16', price: '26.00', start: '2024-06-01', tol: '0' },
      { sku: 'MANAGED-DEVICE', qty: '18', price: '45.00', start: '2024-06-01', tol: '2' },
      { sku: 'BACKUP-GB', qty: '500', price: '0.15', start: '2024-06-01', tol: '25' },
    ],
    usage: { 'M365-BP': [16, 16, 16, 16], 'MANAGED-DEVICE': [18, 17, 18, 18], 'BACKUP-GB': [494, 503, null, 509] },
  },
  {
    id: 'juniper-realty',
    name: 'Juniper Realty Group',
    emails: ['admin@juniperrealty.example'],
    currency: 'USD',
    m365: 'microsoft',
    lines: [
      {
        sku: 'M365-BB',
        qty: '20',
        price: '7.50',
        start: '2024-09-01',
        end: '2026-03-15',
        tol: '1',
        description: 'Microsoft 365 Business Basic (until the move to Premium)',
      },
      {
        sku: 'M365-BP',
        qty: '20',
        price: '26.00',
        start: '2026-03-16',
        tol: '1',
        description: 'Microsoft 365 Business Premium (from 16 March 2026)',
      },
      { sku: 'MANAGED-DEVICE', qty: '20', price: '45.00', start: '2024-09-01', tol: '2' },
    ],
    usage: { 'M365-BB': [20, 20, 20, 20], 'M365-BP': [null, null, null, 20], 'MANAGED-DEVICE': [23, 20, 19, 21] },
  },
  {
    id: 'keystone-mfg',
    name: 'Keystone Precision Manufacturing',
    emails: ['ap@keystoneprecision.example'],
    currency: 'USD',
    terms: 45,
    m365: 'microsoft',
    servers: 4,
    lines: [
      { sku: 'M365-BP', qty: '45', price: '26.00', start: '2023-06-01', tol: '2' },
      {
        sku: 'MANAGED-DEVICE',
        qty: '60',
        price: '45.00',
        start: '2023-06-01',
        end: '2026-01-31',
        trueUp: 'credit',
        tol: '2',
        description: 'Managed devices (60, until the plant-floor PCs were retired)',
      },
      {
        sku: 'MANAGED-DEVICE',
        qty: '53',
        price: '45.00',
        start: '2026-02-01',
        trueUp: 'credit',
        tol: '2',
        suffix: '2',
        description: 'Managed devices (53 from February 2026)',
      },
      { sku: 'SUPPORT-HR', qty: '20', price: '115.00', start: '2023-06-01', trueUp: 'flag', tol: '2' },
      { ...cp('12', 'Azure consumption + 12 %'), sku: 'AZURE' },
    ],
    usage: { 'M365-BP': [45, 46, 47, 48], 'MANAGED-DEVICE': [60, 52, 53, 53], 'SUPPORT-HR': [18.5, 21, 25, 19] },
  },
  {
    id: 'lakeside-church',
    name: 'Lakeside Community Church',
    emails: ['treasurer@lakesidechurch.example'],
    currency: 'USD',
    m365: 'pax8',
    lines: [
      {
        sku: 'M365-BB',
        qty: '8',
        price: '6.00',
        start: '2024-10-01',
        tol: '0',
        description: 'Microsoft 365 Business Basic (nonprofit price)',
      },
      {
        sku: 'MANAGED-DEVICE',
        qty: '6',
        price: '40.00',
        start: '2024-10-01',
        tol: '1',
        description: 'Managed devices (nonprofit price)',
      },
      { sku: 'BACKUP-GB', qty: '150', price: '0.15', start: '2024-10-01', tol: '25' },
    ],
    usage: { 'M365-BB': [8, 8, 8, 8], 'MANAGED-DEVICE': [6, 6, 6, 6], 'BACKUP-GB': [141, 146, 149, 147] },
  },
  {
    id: 'maple-leaf-supply',
    name: 'Maple Leaf Supply Ltd.',
    emails: ['ap@mapleleafsupply.example'],
    currency: 'CAD',
    tax: '5',
    servers: 2,
    lines: [
      { sku: 'MANAGED-DEVICE', qty: '25', price: '58.00', start: '2025-02-01', tol: '2' },
      { sku: 'BACKUP-GB', qty: '600', price: '0.20', start: '2025-02-01', tol: '50' },
      { sku: 'SUPPORT-HR', qty: '5', price: '165.00', start: '2025-02-01', trueUp: 'flag', tol: '2' },
    ],
    usage: { 'MANAGED-DEVICE': [25, 26, 28, 28], 'BACKUP-GB': [588, 611, 622, 629], 'SUPPORT-HR': [4, 6, 5, 8] },
  },
  {
    id: 'midtown-chiro',
    name: 'Midtown Chiropractic',
    emails: ['office@midtownchiro.example'],
    currency: 'USD',
    terms: 15,
    m365: 'pax8',
    lines: [
      { sku: 'M365-BB', qty: '7', price: '7.50', start: '2024-04-01', tol: '0' },
      { sku: 'MANAGED-DEVICE', qty: '8', price: '45.00', start: '2024-04-01', tol: '1' },
    ],
    usage: { 'M365-BB': [7, 7, 8, 8], 'MANAGED-DEVICE': [8, 8, 8, 9] },
  },
  {
    id: 'northwind-arch',
    name: 'Northwind Architects',
    emails: ['studio@northwindarch.example'],
    currency: 'USD',
    m365: 'microsoft',
    aws: '987654321098',
    servers: 1,
    lines: [
      { sku: 'M365-BP', qty: '22', price: '26.00', start: '2024-07-01', tol: '1' },
      { sku: 'MANAGED-DEVICE', qty: '26', price: '45.00', start: '2024-07-01', tol: '2' },
      {
        sku: 'BACKUP-GB',
        qty: '1500',
        price: '0.12',
        start: '2025-07-01',
        freq: 'quarterly',
        tol: '100',
        description: 'Cloud backup storage (volume price, billed quarterly)',
      },
      { ...cp('18', 'AWS consumption + 18 %'), sku: 'AWS' },
    ],
    usage: { 'M365-BP': [22, 22, 23, 22], 'MANAGED-DEVICE': [26, 27, 26, 26], 'BACKUP-GB': [1482, 1519, 1561, 1588] },
  },
  {
    id: 'oconnor-pub',
    name: "O'Connor's Public House",
    emails: ['manager@oconnorspub.example'],
    currency: 'USD',
    terms: 15,
    m365: 'pax8',
    lines: [
      { sku: 'M365-BB', qty: '4', price: '7.50', start: '2025-01-01', tol: '0' },
      {
        sku: 'MANAGED-DEVICE',
        qty: '6',
        price: '45.00',
        start: '2025-01-01',
        trueUp: 'flag',
        tol: '0',
        description: 'Managed devices (POS and office)',
      },
    ],
    usage: { 'M365-BB': [4, 4, 4, 4], 'MANAGED-DEVICE': [6, 5, 6, 6] },
  },
  {
    id: 'prairie-ag',
    name: 'Prairie Ag Cooperative',
    emails: ['accounts.payable@prairieag.example'],
    currency: 'USD',
    m365: 'microsoft',
    servers: 1,
    lines: [
      { sku: 'M365-BB', qty: '25', price: '7.50', start: '2024-01-01', tol: '1' },
      { sku: 'MANAGED-DEVICE', qty: '30', price: '45.00', start: '2024-01-01', tol: '2' },
      { sku: 'SUPPORT-HR', qty: '12', price: '125.00', start: '2024-01-01', trueUp: 'flag', tol: '2' },
    ],
    usage: { 'M365-BB': [25, 25, 26, 26], 'MANAGED-DEVICE': [30, 31, 30, 32], 'SUPPORT-HR': [11, 10.5, 13, 16.5] },
  },
  {
    id: 'quarry-hill-school',
    name: 'Quarry Hill Montessori School',
    emails: ['business.office@quarryhill.example'],
    currency: 'USD',
    terms: 45,
    dunning: 'none',
    m365: 'pax8',
    lines: [
      {
        sku: 'M365-BB',
        qty: '30',
        price: '6.00',
        start: '2024-08-01',
        tol: '2',
        description: 'Microsoft 365 Business Basic (education price)',
      },
      {
        sku: 'MANAGED-DEVICE',
        qty: '35',
        price: '40.00',
        start: '2025-08-01',
        freq: 'annual',
        trueUp: 'credit',
        tol: '2',
        description: 'Managed devices (school year, billed annually)',
      },
    ],
    usage: { 'M365-BB': [30, 31, 30, 30], 'MANAGED-DEVICE': [35, 35, 34, 36] },
  },
  {
    id: 'redwood-title',
    name: 'Redwood Title Company',
    emails: ['ap@redwoodtitle.example'],
    currency: 'USD',
    m365: 'microsoft',
    servers: 1,
    lines: [
      { sku: 'M365-BP', qty: '14', price: '26.00', start: '2024-11-01', tol: '0' },
      { sku: 'MANAGED-DEVICE', qty: '16', price: '45.00', start: '2024-11-01', tol: '1' },
      { sku: 'BACKUP-GB', qty: '350', price: '0.15', start: '2024-11-01', trueUp: 'credit', tol: '25' },
    ],
    usage: { 'M365-BP': [14, 14, 14, 15], 'MANAGED-DEVICE': [16, 16, 16, 16], 'BACKUP-GB': [349, 356, 344, 322] },
  },
  {
    id: 'rheinwerk-consulting',
    name: 'Rheinwerk Consulting GmbH',
    emails: ['buchhaltung@rheinwerk-consulting.example'],
    currency: 'EUR',
    servers: 1,
    lines: [
      { sku: 'MANAGED-DEVICE', qty: '12', price: '42.00', start: '2025-04-01', tol: '1' },
      { sku: 'BACKUP-GB', qty: '300', price: '0.14', start: '2025-04-01', tol: '25' },
      {
        sku: 'SUPPORT-HR',
        qty: '4',
        price: '110.00',
        start: '2025-12-01',
        freq: 'quarterly',
        trueUp: 'flag',
        tol: '1',
        description: 'Support block, 4 hours a month (billed quarterly)',
      },
    ],
    usage: { 'MANAGED-DEVICE': [12, 12, 12, 13], 'BACKUP-GB': [296, 301, 309, 304], 'SUPPORT-HR': [3.5, 4, 4.75, 4] },
  },
  {
    id: 'sable-media',
    name: 'Sable Media Studio',
    emails: ['hello@sablemedia.example'],
    currency: 'USD',
    terms: 15,
    tax: '6.25',
    m365: 'pax8',
    devicesFrom: '2026-03-09',
    lines: [
      { sku: 'M365-BP', qty: '9', price: '26.00', start: '2025-06-01', tol: '0' },
      {
        sku: 'BACKUP-GB',
        qty: '1000',
        price: '0.12',
        start: '2025-06-01',
        tol: '100',
        description: 'Cloud backup storage for project archives',
      },
    ],
    usage: { 'M365-BP': [9, 9, 10, 10], 'BACKUP-GB': [983, 1061, 1152, 1238], 'MANAGED-DEVICE': [null, null, null, 6] },
  },
  {
    id: 'summit-ortho',
    name: 'Summit Orthopedic Associates',
    emails: ['ap@summitortho.example', 'practice.admin@summitortho.example'],
    currency: 'USD',
    m365: 'microsoft',
    servers: 3,
    lines: [
      { sku: 'M365-BP', qty: '50', price: '26.00', start: '2023-08-01', tol: '2' },
      { sku: 'MANAGED-DEVICE', qty: '70', price: '45.00', start: '2023-08-01', tol: '3' },
      {
        sku: 'BACKUP-GB',
        qty: '3000',
        price: '0.12',
        start: '2023-08-01',
        tol: '100',
        description: 'Cloud backup storage (volume price)',
      },
      { ...cp('10', 'Azure consumption + 10 %'), sku: 'AZURE' },
    ],
    usage: { 'M365-BP': [50, 51, 52, 50], 'MANAGED-DEVICE': [70, 72, 74, 78], 'BACKUP-GB': [2981, 3048, 3089, 3093] },
  },
  {
    id: 'tallgrass-pm',
    name: 'Tallgrass Property Management',
    emails: ['ap@tallgrasspm.example'],
    currency: 'USD',
    m365: 'pax8',
    lines: [
      { sku: 'M365-BB', qty: '18', price: '7.50', start: '2024-12-01', tol: '1' },
      { sku: 'MANAGED-DEVICE', qty: '20', price: '45.00', start: '2024-12-01', tol: '2' },
    ],
    usage: { 'M365-BB': [18, 18, 18, 18], 'MANAGED-DEVICE': [20, 21, 20, 20] },
  },
  {
    id: 'willow-spa',
    name: 'Willow Creek Day Spa',
    emails: ['manager@willowcreekspa.example'],
    currency: 'USD',
    terms: 15,
    m365: 'pax8',
    devicesFrom: '2026-02-16',
    lines: [
      { sku: 'M365-BB', qty: '5', price: '7.50', start: '2025-03-01', tol: '0' },
      {
        sku: 'MANAGED-DEVICE',
        qty: '4',
        price: '45.00',
        start: '2026-02-16',
        tol: '1',
        description: 'Managed devices (front desk and POS, from 16 February 2026)',
      },
    ],
    usage: { 'M365-BB': [5, 5, 5, 5], 'MANAGED-DEVICE': [null, null, 4, 4] },
  },
];

/** The AWS account nobody told billing about: it shows up in March's CUR. */
const UNKNOWN_AWS_ACCOUNT = '418273645109';
/** Keystone buys Copilot in March; nobody added it to the sku map. */
const COPILOT_CLIENT = 'keystone-mfg';

// ---------------------------------------------------------------------------------------------
// Derived reference data.

interface Agreement {
  id: string;
  clientId: string;
  sku: string;
  qty: D;
  price: D;
  pricing: 'per_unit' | 'cost_plus';
  markup: D;
  start: string;
  end?: string;
  freq: 'monthly' | 'quarterly' | 'annual';
  trueUp: 'bill' | 'flag' | 'credit';
  tol: D;
  description?: string;
  raw: LineSpec;
}
const AGREEMENTS: Agreement[] = CLIENTS.flatMap((c, i) =>
  c.lines.map((l): Agreement => {
    const pricing = l.markup !== undefined ? 'cost_plus' : 'per_unit';
    return {
      id: `AG-${String(i + 1).padStart(2, '0')}-${l.sku}${l.suffix ? `-${l.suffix}` : ''}`,
      clientId: c.id,
      sku: l.sku,
      qty: new D(l.qty),
      price: new D(l.price),
      pricing,
      markup: new D(l.markup ?? 0),
      start: l.start,
      end: l.end,
      freq: l.freq ?? 'monthly',
      trueUp: l.trueUp ?? 'bill',
      tol: new D(l.tol ?? 0),
      description: l.description,
      raw: l,
    };
  }),
);
const CLIENT = new Map(CLIENTS.map((c) => [c.id, c]));
const ids = new Rng('account-ids');
const ACCOUNTS: { vendor: string; accountId: string; clientId: string }[] = [];
const accountOf = new Map<string, string>(); // `${vendor}|${clientId}` -> account id
function addAccount(vendor: string, clientId: string, make: () => string): void {
  let accountId = make();
  while (ACCOUNTS.some((a) => a.vendor === vendor && a.accountId === accountId)) accountId = make();
  ACCOUNTS.push({ vendor, accountId, clientId });
  accountOf.set(`${vendor}|${clientId}`, accountId);
}
for (const c of CLIENTS) {
  if (c.m365 === 'microsoft' || c.lines.some((l) => l.sku === 'AZURE')) addAccount('microsoft', c.id, () => ids.guid());
  if (c.m365 === 'pax8') addAccount('pax8', c.id, () => ids.guid());
  if (c.aws) addAccount('aws', c.id, () => c.aws as string);
  addAccount('ninjaone', c.id, () => String(ids.int(100, 999)));
  if (c.lines.some((l) => l.sku === 'BACKUP-GB')) addAccount('backblaze', c.id, () => ids.hex(12));
  if (c.lines.some((l) => l.sku === 'SUPPORT-HR')) addAccount('halopsa', c.id, () => `C${ids.int(1000, 1999)}`);
}
const accountId = (vendor: string, clientId: string): string => {
  const id = accountOf.get(`${vendor}|${clientId}`);
  if (!id) throw new Error(`no ${vendor} account for ${clientId}`);
  return id;
};

// ---------------------------------------------------------------------------------------------
// Usage: normalized records (what a reader should produce) plus the raw rows of each file.

interface UsageRecord {
  vendor: string;
  accountId: string;
  vendorSku: string;
  quantity: D;
  usageDate: string;
  period: string;
  unitCost?: D;
  cost?: D;
  currency?: string;
}
const RECORDS: UsageRecord[] = [];
type Row = Record<string, string>;
const FILES = new Map<string, { header: string[]; rows: Row[]; bom?: boolean; crlf?: boolean }>();
function file(name: string, header: string[], opts: { bom?: boolean; crlf?: boolean } = {}): Row[] {
  let f = FILES.get(name);
  if (!f) FILES.set(name, (f = { header, rows: [], ...opts }));
  return f.rows;
}
const periodIndex = (p: string): number => PERIODS.indexOf(p as (typeof PERIODS)[number]);
const target = (c: ClientSpec, sku: string, p: string): number | null => c.usage[sku]?.[periodIndex(p)] ?? null;

// NinjaOne: canonical CSV, one row per organization, device class and day.
const NINJA = 'ninjaone-device-counts-2025-12-01_2026-03-31.csv';
const NINJA_HEADER = ['vendor', 'account_id', 'vendor_sku', 'quantity', 'usage_date', 'reference', 'organization'];
for (const c of CLIENTS) {
  const rng = new Rng(`ninja:${c.id}`);
  const org = accountId('ninjaone', c.id);
  for (const p of PERIODS) {
    const peak = target(c, 'MANAGED-DEVICE', p);
    if (peak === null) continue;
    const from = c.devicesFrom && c.devicesFrom > firstDay(p) ? c.devicesFrom : firstDay(p);
    const days = [...eachDay(from, lastDay(p))];
    const peakDay = rng.pick(days);
    const servers = Math.min(c.servers ?? 0, peak);
    const macs = c.id === 'northwind-arch' || c.id === 'sable-media' ? 3 : 0;
    for (const day of days) {
      const dip = day === peakDay ? 0 : rng.pick([0, 0, 0, 0, 1, 1, 2]);
      const total = Math.max(peak - dip, servers + macs);
      const parts: [string, number][] = [
        ['WINDOWS_WORKSTATION', total - servers - macs],
        ['WINDOWS_SERVER', servers],
        ['MAC', macs],
      ];
      for (const [cls, n] of parts) {
        if (n === 0 && cls !== 'WINDOWS_WORKSTATION') continue;
        file(NINJA, NINJA_HEADER).push({
          vendor: 'ninjaone',
          account_id: org,
          vendor_sku: cls,
          quantity: String(n),
          usage_date: day,
          reference: `nj-${org}-${day.replaceAll('-', '')}-${cls.toLowerCase()}`,
          organization: c.name,
        });
        RECORDS.push({
          vendor: 'ninjaone',
          accountId: org,
          vendorSku: cls,
          quantity: new D(n),
          usageDate: day,
          period: p,
        });
      }
    }
  }
}
{
  // Three rows a reader must reject, and one row exported twice (same reference): dropped.
  const rows = FILES.get(NINJA)?.rows ?? [];
  const at = (ref: string): number => rows.findIndex((r) => r.reference === ref);
  const alder = accountId('ninjaone', 'alder-dental');
  const elm = accountId('ninjaone', 'elm-street-vet');
  const midtown = accountId('ninjaone', 'midtown-chiro');
  const tall = accountId('ninjaone', 'tallgrass-pm');
  rows.splice(at(`nj-${alder}-20260211-windows_workstation`) + 1, 0, {
    vendor: 'ninjaone',
    account_id: alder,
    vendor_sku: 'WINDOWS_WORKSTATION',
    quantity: '-3',
    usage_date: '2026-02-11',
    reference: `nj-${alder}-20260211-adjust`,
    organization: 'Alder Creek Dental Group',
  });
  rows.splice(at(`nj-${midtown}-20260213-windows_workstation`) + 1, 0, {
    vendor: 'ninjaone',
    account_id: midtown,
    vendor_sku: 'WINDOWS_WORKSTATION',
    quantity: '8',
    usage_date: '13/02/2026',
    reference: `nj-${midtown}-13022026-windows_workstation`,
    organization: 'Midtown Chiropractic',
  });
  rows.splice(at(`nj-${tall}-20260302-windows_workstation`) + 1, 0, {
    vendor: 'ninjaone',
    account_id: tall,
    vendor_sku: 'WINDOWS_WORKSTATION',
    quantity: 'n/a',
    usage_date: '2026-03-02',
    reference: `nj-${tall}-20260302-offline`,
    organization: 'Tallgrass Property Management',
  });
  const dup = at(`nj-${elm}-20260120-windows_workstation`);
  rows.splice(dup + 1, 0, { ...(rows[dup] as Row) });
}

// Backblaze B2: canonical CSV, stored bytes per account per day (avg over the month).
const B2 = 'backblaze-b2-storage-daily-2025-12-01_2026-03-31.csv';
for (const c of CLIENTS) {
  if (!c.usage['BACKUP-GB']) continue;
  const rng = new Rng(`b2:${c.id}`);
  const acct = accountId('backblaze', c.id);
  for (const p of PERIODS) {
    const gb = target(c, 'BACKUP-GB', p);
    if (gb === null) continue;
    const days = daysIn(p);
    let i = 0;
    for (const day of eachDay(firstDay(p), lastDay(p))) {
      // A slow climb through the month around the target average, with daily jitter.
      const drift = ((i++ - (days - 1) / 2) / (days - 1)) * 0.03;
      const bytes = new D(gb)
        .times(1 + drift + (rng.next() - 0.5) * 0.004)
        .times(1e9)
        .round();
      file(B2, ['vendor', 'account_id', 'vendor_sku', 'quantity', 'usage_date', 'reference']).push({
        vendor: 'backblaze',
        account_id: acct,
        vendor_sku: 'b2-storage-bytes',
        quantity: bytes.toFixed(),
        usage_date: day,
        reference: `b2-${acct}-${day}`,
      });
      RECORDS.push({
        vendor: 'backblaze',
        accountId: acct,
        vendorSku: 'b2-storage-bytes',
        quantity: bytes,
        usageDate: day,
        period: p,
      });
    }
  }
}

// HaloPSA: canonical CSV of time entries in minutes (sum over the month).
const HALO = 'halopsa-time-entries-2025-12-01_2026-03-31.csv';
const TECHS = ['J. Alvarez', 'M. Chen', 'P. Okafor', 'S. Lindqvist'];
let ticket = 48_210;
for (const p of PERIODS) {
  for (const c of CLIENTS) {
    const hours = target(c, 'SUPPORT-HR', p);
    if (hours === null) continue;
    const rng = new Rng(`halo:${c.id}:${p}`);
    const workdays = [...eachDay(firstDay(p), lastDay(p))].filter(isWeekday);
    let left = Math.round(hours * 60);
    const entries: [string, number][] = [];
    while (left > 0) {
      const minutes = Math.min(left, 15 * rng.int(1, 8));
      entries.push([rng.pick(workdays), minutes]);
      left -= minutes;
    }
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const acct = accountId('halopsa', c.id);
    entries.forEach(([day, minutes], n) => {
      const t = ticket + n;
      file(HALO, [
        'vendor',
        'account_id',
        'vendor_sku',
        'quantity',
        'usage_date',
        'reference',
        'ticket',
        'technician',
      ]).push({
        vendor: 'halopsa',
        account_id: acct,
        vendor_sku: 'labor-minutes',
        quantity: String(minutes),
        usage_date: day,
        reference: `TE-${t}-1`,
        ticket: String(t),
        technician: rng.pick(TECHS),
      });
      RECORDS.push({
        vendor: 'halopsa',
        accountId: acct,
        vendorSku: 'labor-minutes',
        quantity: new D(minutes),
        usageDate: day,
        period: p,
      });
    });
    ticket += entries.length + 3;
  }
}

// Pax8: invoice items with the API's field names, one file per month.
const PAX8_HEADER = [
  'id',
  'invoiceId',
  'companyId',
  'companyName',
  'sku',
  'description',
  'quantity',
  'startPeriod',
  'endPeriod',
  'cost',
  'costTotal',
  'price',
  'total',
  'currencyCode',
  'type',
  'chargeType',
];
for (const p of PERIODS) {
  const name = `pax8-invoice-items-${p}.csv`;
  const rng = new Rng(`pax8:${p}`);
  const invoiceId = rng.guid();
  for (const c of CLIENTS.filter((x) => x.m365 === 'pax8')) {
    for (const [sku, item] of [
      ['M365-BP', PAX8.BP],
      ['M365-BB', PAX8.BB],
    ] as const) {
      const seats = target(c, sku, p);
      if (seats === null) continue;
      const unit = new D(item.cost);
      const line = AGREEMENTS.find((a) => a.clientId === c.id && a.sku === sku);
      const price = line?.price ?? LIST_PRICE.get(sku) ?? ZERO;
      file(name, PAX8_HEADER).push({
        id: rng.guid(),
        invoiceId,
        companyId: accountId('pax8', c.id),
        companyName: c.name,
        sku: item.sku,
        description:
          sku === 'M365-BP'
            ? 'Microsoft 365 Business Premium (NCE, annual commitment, monthly billing)'
            : 'Microsoft 365 Business Basic (NCE, annual commitment, monthly billing)',
        quantity: String(seats),
        startPeriod: firstDay(p),
        endPeriod: lastDay(p),
        cost: unit.toFixed(2),
        costTotal: fmt2(unit.times(seats)),
        price: price.toFixed(2),
        total: fmt2(price.times(seats)),
        currencyCode: 'USD',
        type: 'subscription',
        chargeType: 'Monthly',
      });
      RECORDS.push({
        vendor: 'pax8',
        accountId: accountId('pax8', c.id),
        vendorSku: item.sku,
        quantity: new D(seats),
        usageDate: firstDay(p),
        period: p,
        unitCost: unit,
        cost: money(unit.times(seats)),
        currency: 'USD',
      });
    }
  }
}

// Microsoft Partner Center: new-commerce invoice reconciliation export (all 47 attributes),
// one file per month, UTF-8 with BOM and CRLF like a portal download.
const PC_HEADER = (
  'PartnerId,CustomerId,CustomerName,CustomerDomainName,CustomerCountry,InvoiceNumber,MpnId,Tier2MpnId,OrderId,OrderDate,' +
  'ProductId,SkuId,AvailabilityId,SkuName,ProductName,ChargeType,UnitPrice,Quantity,Subtotal,TaxTotal,Total,Currency,' +
  'PriceAdjustmentDescription,PublisherName,PublisherId,SubscriptionDescription,SubscriptionId,ChargeStartDate,ChargeEndDate,' +
  'TermAndBillingCycle,EffectiveUnitPrice,UnitType,AlternateId,BillableQuantity,BillingFrequency,PricingCurrency,' +
  'PCToBCExchangeRate,PCToBCExchangeRateDate,MeterDescription,ReservationOrderId,CreditReasonCode,SubscriptionStartDate,' +
  'SubscriptionEndDate,ReferenceId,ProductQualifiers,PromotionId,ProductCategory'
).split(',');
const PARTNER_ID = new Rng('partner').guid();
const subscriptions = new Map<string, { id: string; order: string; start: string; day: number }>();
function subscription(
  clientId: string,
  key: string,
  start: string,
  day: number,
): { id: string; order: string; start: string; day: number } {
  const k = `${clientId}|${key}`;
  let s = subscriptions.get(k);
  if (!s) {
    const rng = new Rng(`sub:${k}`);
    subscriptions.set(k, (s = { id: rng.guid(), order: rng.hex(12).toUpperCase(), start, day }));
  }
  return s;
}
const AZURE_METERS: Record<
  string,
  { meter: string; unitType: string; rate: string; qty: (rng: Rng, days: number) => D }[]
> = {
  'keystone-mfg': [
    {
      meter: 'Virtual Machines Dsv5 Series - D8s v5 - US South Central',
      unitType: '1 Hour',
      rate: '0.384',
      qty: (_r, days) => new D(days * 24 * 3),
    },
    {
      meter: 'SQL Database Single vCore - General Purpose 4 vCore - US South Central',
      unitType: '1 Hour',
      rate: '0.5044',
      qty: (_r, days) => new D(days * 24),
    },
    {
      meter: 'Managed Disks - P30 LRS Disk - US South Central',
      unitType: '1/Month',
      rate: '135.17',
      qty: () => new D(3),
    },
    {
      meter: 'Bandwidth - Standard Data Transfer Out - Zone 1',
      unitType: '1 GB',
      rate: '0.087',
      qty: (r) => new D(r.int(380, 620)).plus(new D(r.int(0, 999)).div(1000)),
    },
  ],
  'summit-ortho': [
    {
      meter: 'Virtual Machines Dsv5 Series - D4s v5 - US North Central',
      unitType: '1 Hour',
      rate: '0.192',
      qty: (_r, days) => new D(days * 24 * 2),
    },
    {
      meter: 'Storage - Hot LRS Data Stored - US North Central',
      unitType: '1 GB/Month',
      rate: '0.0208',
      qty: (r) => new D(r.int(5200, 5900)).plus(new D(r.int(0, 99)).div(100)),
    },
    { meter: 'Azure Site Recovery - VM Replicated to Azure', unitType: '1/Month', rate: '25', qty: () => new D(2) },
  ],
};
const roundDown2 = (v: D): D => v.toDecimalPlaces(2, D.ROUND_DOWN);
for (const p of PERIODS) {
  const name = `microsoft-nce-reconciliation-${p}.csv`;
  const rows = file(name, PC_HEADER, { bom: true, crlf: true });
  const invoiceNumber = `G${new Rng(`pc-invoice:${p}`).digits(9)}`;
  const rateDate = `${addMonths(p, 1)}-01T00:00:00Z`;
  const base = (c: ClientSpec, rng: Rng): Row => ({
    PartnerId: PARTNER_ID,
    CustomerId: accountId('microsoft', c.id),
    CustomerName: c.name,
    CustomerDomainName: `${c.id.replaceAll('-', '')}.onmicrosoft.com`,
    CustomerCountry: 'US',
    InvoiceNumber: invoiceNumber,
    MpnId: '6412087',
    Tier2MpnId: '',
    PublisherName: 'Microsoft Corporation',
    PublisherId: '',
    PCToBCExchangeRate: '1',
    PCToBCExchangeRateDate: rateDate,
    Currency: 'USD',
    PricingCurrency: 'USD',
    TaxTotal: '0',
    PriceAdjustmentDescription: '',
    ReservationOrderId: '',
    CreditReasonCode: '',
    PromotionId: '',
    ProductQualifiers: '',
    ReferenceId: rng.guid(),
    AlternateId: rng.hex(12),
  });
  for (const c of CLIENTS) {
    const rng = new Rng(`pc:${c.id}:${p}`);
    const seatItems: [string, (typeof MS)['BP' | 'BB' | 'COPILOT'], number | null, number][] = [
      ['M365-BP', MS.BP, target(c, 'M365-BP', p), c.id === 'juniper-realty' ? 16 : 3 + (seedOf(c.id) % 25)],
      ['M365-BB', MS.BB, target(c, 'M365-BB', p), 8],
    ];
    if (c.id === COPILOT_CLIENT && p === '2026-03') seatItems.push(['COPILOT', MS.COPILOT, 5, 12]);
    if (c.m365 === 'microsoft') {
      for (const [key, item, seats, day] of seatItems) {
        if (seats === null) continue;
        const subStart =
          c.id === 'juniper-realty' && key === 'M365-BP'
            ? '2026-03-16'
            : key === 'COPILOT'
              ? '2026-03-12'
              : `2025-${String(1 + (seedOf(key + c.id) % 9)).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
        const sub = subscription(c.id, key, subStart, day);
        const start = `${p}-${String(sub.day).padStart(2, '0')}`;
        const end = addDays(`${addMonths(p, 1)}-${String(sub.day).padStart(2, '0')}`, -1);
        const unit = new D(item.cost);
        const subtotal = roundDown2(unit).times(seats);
        rows.push({
          ...base(c, rng),
          OrderId: sub.order,
          OrderDate: `${sub.start}T00:00:00Z`,
          ProductId: item.productId,
          SkuId: item.skuId,
          AvailabilityId: `${item.productId.slice(0, 6)}${rng.hex(6).toUpperCase()}`,
          SkuName: item.name,
          ProductName: item.name,
          ChargeType: 'cycleCharge',
          UnitPrice: item.list,
          Quantity: String(seats),
          Subtotal: subtotal.toFixed(2),
          Total: subtotal.toFixed(2),
          SubscriptionDescription: item.name,
          SubscriptionId: sub.id,
          ChargeStartDate: `${start}T00:00:00Z`,
          ChargeEndDate: `${end}T00:00:00Z`,
          TermAndBillingCycle: 'One-Year commitment for monthly/yearly billing',
          EffectiveUnitPrice: unit.toFixed(2),
          UnitType: '',
          BillableQuantity: String(seats),
          BillingFrequency: 'Monthly',
          MeterDescription: '',
          SubscriptionStartDate: `${sub.start}T00:00:00Z`,
          SubscriptionEndDate: `${addDays(addMonths(sub.start.slice(0, 7), 12) + sub.start.slice(7), -1)}T00:00:00Z`,
          ProductCategory: 'OnlineServicesNCE',
        });
        RECORDS.push({
          vendor: 'microsoft',
          accountId: accountId('microsoft', c.id),
          vendorSku: `${item.productId}:${item.skuId}`,
          quantity: new D(seats),
          usageDate: start,
          period: p,
          unitCost: unit,
          cost: subtotal,
          currency: 'USD',
        });
      }
    }
    for (const meter of AZURE_METERS[c.id] ?? []) {
      const sub = subscription(c.id, 'AZURE', '2024-06-01', 1);
      const qty = meter.qty(rng, daysIn(p));
      const rate = new D(meter.rate);
      const subtotal = roundDown2(rate.times(qty));
      rows.push({
        ...base(c, rng),
        OrderId: sub.order,
        OrderDate: '2024-06-01T00:00:00Z',
        ProductId: MS.AZURE.productId,
        SkuId: MS.AZURE.skuId,
        AvailabilityId: '',
        SkuName: MS.AZURE.name,
        ProductName: MS.AZURE.name,
        ChargeType: 'usage',
        UnitPrice: rate.toFixed(),
        Quantity: '1',
        Subtotal: subtotal.toFixed(2),
        Total: subtotal.toFixed(2),
        SubscriptionDescription: 'Azure plan',
        SubscriptionId: sub.id,
        ChargeStartDate: `${firstDay(p)}T00:00:00Z`,
        ChargeEndDate: `${lastDay(p)}T00:00:00Z`,
        TermAndBillingCycle: '',
        EffectiveUnitPrice: rate.toFixed(),
        UnitType: meter.unitType,
        BillableQuantity: qty.toFixed(),
        BillingFrequency: '',
        MeterDescription: meter.meter,
        SubscriptionStartDate: '2024-06-01T00:00:00Z',
        SubscriptionEndDate: '',
        ProductCategory: 'Azure',
      });
      RECORDS.push({
        vendor: 'microsoft',
        accountId: accountId('microsoft', c.id),
        vendorSku: `${MS.AZURE.productId}:${MS.AZURE.skuId}`,
        quantity: qty,
        usageDate: firstDay(p),
        period: p,
        unitCost: rate,
        cost: subtotal,
        currency: 'USD',
      });
    }
  }
}

// AWS: CUR 2.0 (Data Exports) with daily granularity, one file per billing period.
const CUR_HEADER = [
  'bill_bill_type',
  'bill_billing_entity',
  'bill_billing_period_end_date',
  'bill_billing_period_start_date',
  'bill_invoice_id',
  'bill_invoicing_entity',
  'bill_payer_account_id',
  'bill_payer_account_name',
  'identity_line_item_id',
  'identity_time_interval',
  'line_item_availability_zone',
  'line_item_blended_cost',
  'line_item_blended_rate',
  'line_item_currency_code',
  'line_item_legal_entity',
  'line_item_line_item_description',
  'line_item_line_item_type',
  'line_item_operation',
  'line_item_product_code',
  'line_item_resource_id',
  'line_item_unblended_cost',
  'line_item_unblended_rate',
  'line_item_usage_account_id',
  'line_item_usage_account_name',
  'line_item_usage_amount',
  'line_item_usage_end_date',
  'line_item_usage_start_date',
  'line_item_usage_type',
  'pricing_unit',
  'product_region_code',
  'product_servicecode',
];
interface AwsItem {
  product: string;
  usageType: string;
  operation: string;
  rate: string;
  unit: string;
  description: string;
  resource: string;
  az: string;
  amount: (rng: Rng, day: string, days: number) => D | null;
}
const gbMonth = (gb: number, days: number): D => new D(gb).div(days).toDecimalPlaces(8, D.ROUND_HALF_UP);
const AWS_PROFILES: Record<string, { name: string; items: AwsItem[] }> = {
  '123456789012': {
    name: 'granite-peak-prod',
    items: [
      {
        product: 'AmazonEC2',
        usageType: 'BoxUsage:m6i.xlarge',
        operation: 'RunInstances',
        rate: '0.192',
        unit: 'Hrs',
        description: '$0.192 per On Demand Linux m6i.xlarge Instance Hour',
        resource: 'i-0a41c2e9b7f3d5e61',
        az: 'us-east-2a',
        amount: () => new D(72),
      },
      {
        product: 'AmazonEC2',
        usageType: 'BoxUsage:g5.xlarge',
        operation: 'RunInstances',
        rate: '1.006',
        unit: 'Hrs',
        description: '$1.006 per On Demand Linux g5.xlarge Instance Hour',
        resource: 'i-07d9e3f1a2b4c6d80',
        az: 'us-east-2b',
        amount: (r, day) => (isWeekday(day) ? new D(r.int(9, 13)) : null),
      },
      {
        product: 'AmazonEC2',
        usageType: 'EBS:VolumeUsage.gp3',
        operation: 'CreateVolume-Gp3',
        rate: '0.08',
        unit: 'GB-Mo',
        description: '$0.08 per GB-month of General Purpose (gp3) provisioned storage',
        resource: 'vol-0c3e5a7b9d1f2e4a6',
        az: 'us-east-2a',
        amount: (_r, _d, days) => gbMonth(2000, days),
      },
      {
        product: 'AmazonS3',
        usageType: 'TimedStorage-ByteHrs',
        operation: 'StandardStorage',
        rate: '0.023',
        unit: 'GB-Mo',
        description: '$0.023 per GB - first 50 TB / month of storage used',
        resource: 'granite-cad-archive',
        az: '',
        amount: (r, _d, days) => gbMonth(5000 + r.int(0, 120), days),
      },
      {
        product: 'AWSDataTransfer',
        usageType: 'USE2-DataTransfer-Out-Bytes',
        operation: '',
        rate: '0.09',
        unit: 'GB',
        description: '$0.090 per GB - first 10 TB / month data transfer out',
        resource: '',
        az: '',
        amount: (r) => new D(r.int(12_000, 28_000)).div(1000),
      },
    ],
  },
  '987654321098': {
    name: 'northwind-studio',
    items: [
      {
        product: 'AmazonEC2',
        usageType: 'BoxUsage:m6i.large',
        operation: 'RunInstances',
        rate: '0.096',
        unit: 'Hrs',
        description: '$0.096 per On Demand Linux m6i.large Instance Hour',
        resource: 'i-0f2b4d6e8a1c3e5b7',
        az: 'us-east-2a',
        amount: () => new D(48),
      },
      {
        product: 'AmazonEC2',
        usageType: 'EBS:VolumeUsage.gp3',
        operation: 'CreateVolume-Gp3',
        rate: '0.08',
        unit: 'GB-Mo',
        description: '$0.08 per GB-month of General Purpose (gp3) provisioned storage',
        resource: 'vol-05b7d9f1a3c5e7f92',
        az: 'us-east-2a',
        amount: (_r, _d, days) => gbMonth(500, days),
      },
      {
        product: 'AmazonS3',
        usageType: 'TimedStorage-ByteHrs',
        operation: 'StandardStorage',
        rate: '0.023',
        unit: 'GB-Mo',
        description: '$0.023 per GB - first 50 TB / month of storage used',
        resource: 'northwind-drawings',
        az: '',
        amount: (r, _d, days) => gbMonth(8000 + r.int(0, 200), days),
      },
      {
        product: 'AWSDataTransfer',
        usageType: 'USE2-DataTransfer-Out-Bytes',
        operation: '',
        rate: '0.09',
        unit: 'GB',
        description: '$0.090 per GB - first 10 TB / month data transfer out',
        resource: '',
        az: '',
        amount: (r) => new D(r.int(5_000, 11_000)).div(1000),
      },
    ],
  },
  [UNKNOWN_AWS_ACCOUNT]: {
    name: 'sandbox-new-client',
    items: [
      {
        product: 'AmazonEC2',
        usageType: 'BoxUsage:t3.medium',
        operation: 'RunInstances',
        rate: '0.0416',
        unit: 'Hrs',
        description: '$0.0416 per On Demand Linux t3.medium Instance Hour',
        resource: 'i-09a8b7c6d5e4f3a21',
        az: 'us-east-2c',
        amount: (_r, day) => (day >= '2026-03-18' ? new D(24) : null),
      },
    ],
  },
};
const PAYER = '700011223344';
for (const p of PERIODS) {
  const name = `aws-cur2-${p}.csv`;
  const rng = new Rng(`cur:${p}`);
  const invoiceId = `EUINUS26-${rng.digits(6)}`;
  const period = {
    bill_billing_period_start_date: `${firstDay(p)}T00:00:00.000Z`,
    bill_billing_period_end_date: `${firstDay(addMonths(p, 1))}T00:00:00.000Z`,
  };
  const accounts = Object.keys(AWS_PROFILES).filter((a) => a !== UNKNOWN_AWS_ACCOUNT || p === '2026-03');
  for (const acct of accounts) {
    const profile = AWS_PROFILES[acct] as (typeof AWS_PROFILES)[string];
    let total = ZERO;
    for (const day of eachDay(firstDay(p), lastDay(p))) {
      for (const item of profile.items) {
        const amount = item.amount(rng, day, daysIn(p));
        if (amount === null) continue;
        const cost = amount.times(item.rate).toDecimalPlaces(10, D.ROUND_HALF_UP);
        total = total.plus(cost);
        file(name, CUR_HEADER).push({
          bill_bill_type: 'Anniversary',
          bill_billing_entity: 'AWS',
          ...period,
          bill_invoice_id: invoiceId,
          bill_invoicing_entity: 'Amazon Web Services, Inc.',
          bill_payer_account_id: PAYER,
          bill_payer_account_name: 'acme-it-management',
          identity_line_item_id: rng.hex(52),
          identity_time_interval: `${day}T00:00:00Z/${addDays(day, 1)}T00:00:00Z`,
          line_item_availability_zone: item.az,
          line_item_blended_cost: cost.toFixed(),
          line_item_blended_rate: item.rate,
          line_item_currency_code: 'USD',
          line_item_legal_entity: 'Amazon Web Services, Inc.',
          line_item_line_item_description: item.description,
          line_item_line_item_type: 'Usage',
          line_item_operation: item.operation,
          line_item_product_code: item.product,
          line_item_resource_id: item.resource,
          line_item_unblended_cost: cost.toFixed(),
          line_item_unblended_rate: item.rate,
          line_item_usage_account_id: acct,
          line_item_usage_account_name: profile.name,
          line_item_usage_amount: amount.toFixed(),
          line_item_usage_end_date: `${addDays(day, 1)}T00:00:00.000Z`,
          line_item_usage_start_date: `${day}T00:00:00.000Z`,
          line_item_usage_type: item.usageType,
          pricing_unit: item.unit,
          product_region_code: item.az ? 'us-east-2' : '',
          product_servicecode: item.product,
        });
        RECORDS.push({
          vendor: 'aws',
          accountId: acct,
          vendorSku: `${item.product}:${item.usageType}`,
          quantity: amount,
          usageDate: day,
          period: p,
          cost,
          currency: 'USD',
        });
      }
    }
    // Sales tax on the month: a Tax line, which readers leave out.
    const tax = total.times('0.0825').toDecimalPlaces(10, D.ROUND_HALF_UP);
    file(name, CUR_HEADER).push({
      bill_bill_type: 'Anniversary',
      bill_billing_entity: 'AWS',
      ...period,
      bill_invoice_id: invoiceId,
      bill_invoicing_entity: 'Amazon Web Services, Inc.',
      bill_payer_account_id: PAYER,
      bill_payer_account_name: 'acme-it-management',
      identity_line_item_id: rng.hex(52),
      identity_time_interval: `${firstDay(p)}T00:00:00Z/${firstDay(addMonths(p, 1))}T00:00:00Z`,
      line_item_availability_zone: '',
      line_item_blended_cost: tax.toFixed(),
      line_item_blended_rate: '',
      line_item_currency_code: 'USD',
      line_item_legal_entity: 'Amazon Web Services, Inc.',
      line_item_line_item_description: 'Tax for product code AmazonEC2',
      line_item_line_item_type: 'Tax',
      line_item_operation: '',
      line_item_product_code: 'AmazonEC2',
      line_item_resource_id: '',
      line_item_unblended_cost: tax.toFixed(),
      line_item_unblended_rate: '',
      line_item_usage_account_id: acct,
      line_item_usage_account_name: profile.name,
      line_item_usage_amount: '1',
      line_item_usage_end_date: `${firstDay(addMonths(p, 1))}T00:00:00.000Z`,
      line_item_usage_start_date: `${firstDay(p)}T00:00:00.000Z`,
      line_item_usage_type: 'Tax:AmazonEC2',
      pricing_unit: '',
      product_region_code: '',
      product_servicecode: 'AmazonEC2',
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The model: reconciliation (section 4), invoices (5), payments (6), dunning (7), day by day.

const isActiveIn = (a: Agreement, p: string): boolean =>
  a.start <= lastDay(p) && (a.end === undefined || a.end >= firstDay(p));
const mapping = (vendor: string, vsku: string): SkuMapping | undefined =>
  SKU_MAP.find((m) => m.vendor === vendor && m.vendorSku === vsku) ??
  SKU_MAP.find((m) => m.vendor === vendor && m.vendorSku === '*');
const clientOfAccount = new Map(ACCOUNTS.map((a) => [`${a.vendor}|${a.accountId}`, a.clientId]));

interface Pair {
  clientId: string;
  sku: string;
  status: string;
  contracted: D;
  used: D;
  delta: D;
  atStake: D;
  line?: Agreement;
  totalCost: D;
}
interface Recon {
  period: string;
  pairs: Pair[];
  discrepancies: { type: string; key: string; atStake: D }[];
}

function reconcile(p: string): Recon {
  const usage = new Map<string, { daily: Map<string, D>; rows: number; cost: D; maxUnitCost?: D }>();
  const unknown = new Map<string, D>();
  const unmapped = new Map<string, D>();
  for (const r of RECORDS.filter((x) => x.period === p)) {
    const cost = r.cost ?? (r.unitCost ? r.unitCost.times(r.quantity) : ZERO);
    const clientId = clientOfAccount.get(`${r.vendor}|${r.accountId}`);
    if (!clientId) {
      unknown.set(`${r.vendor}|${r.accountId}`, (unknown.get(`${r.vendor}|${r.accountId}`) ?? ZERO).plus(cost));
      continue;
    }
    const m = mapping(r.vendor, r.vendorSku);
    if (!m) {
      unmapped.set(`${r.vendor}|${r.vendorSku}`, (unmapped.get(`${r.vendor}|${r.vendorSku}`) ?? ZERO).plus(cost));
      continue;
    }
    if (r.currency && r.currency !== CLIENT.get(clientId)?.currency)
      throw new Error(`currency mismatch ${clientId} ${m.sku}`);
    const factor = new D(m.factor ?? 1);
    const key = `${clientId}|${m.sku}`;
    let u = usage.get(key);
    if (!u) usage.set(key, (u = { daily: new Map(), rows: 0, cost: ZERO }));
    u.daily.set(r.usageDate, (u.daily.get(r.usageDate) ?? ZERO).plus(r.quantity.times(factor)));
    u.rows++;
    u.cost = u.cost.plus(cost);
    if (r.unitCost) {
      const c = r.unitCost.div(factor);
      if (!u.maxUnitCost || c.greaterThan(u.maxUnitCost)) u.maxUnitCost = c;
    }
  }
  const keys = new Set<string>([
    ...AGREEMENTS.filter((a) => isActiveIn(a, p)).map((a) => `${a.clientId}|${a.sku}`),
    ...usage.keys(),
  ]);
  const pairs: Pair[] = [];
  const discrepancies: Recon['discrepancies'] = [];
  for (const key of [...keys].sort((a, b) => {
    const [ac, as] = a.split('|') as [string, string];
    const [bc, bs] = b.split('|') as [string, string];
    return ac < bc ? -1 : ac > bc ? 1 : as < bs ? -1 : as > bs ? 1 : 0;
  })) {
    const [clientId, sku] = key.split('|') as [string, string];
    const line = AGREEMENTS.find((a) => a.clientId === clientId && a.sku === sku && isActiveIn(a, p));
    const u = usage.get(key);
    const values = u ? [...u.daily.values()] : [];
    const agg = AGGREGATION.get(sku);
    let used = ZERO;
    if (u) {
      if (agg === 'sum') used = values.reduce((s, v) => s.plus(v), ZERO);
      else if (agg === 'max') used = values.reduce((m, v) => (v.greaterThan(m) ? v : m), ZERO);
      else if (agg === 'avg')
        used = values
          .reduce((s, v) => s.plus(v), ZERO)
          .div(values.length)
          .toDecimalPlaces(6, D.ROUND_HALF_UP);
      else used = u.daily.get([...u.daily.keys()].sort().at(-1) as string) ?? ZERO;
    }
    const contracted = line?.qty ?? ZERO;
    const delta = used.minus(contracted);
    const base = { clientId, sku, contracted, used, delta, line, totalCost: u?.cost ?? ZERO };
    let pair: Pair;
    if (line && !u && (line.pricing === 'cost_plus' || contracted.greaterThan(0)))
      pair = {
        ...base,
        status: 'missing_usage',
        atStake: line.pricing === 'cost_plus' ? ZERO : money(contracted.times(line.price)),
      };
    else if (line?.pricing === 'cost_plus') pair = { ...base, status: 'usage_billed', atStake: ZERO };
    else if (!line)
      pair = {
        ...base,
        status: 'unbilled_usage',
        atStake: money(LIST_PRICE.has(sku) ? used.times(LIST_PRICE.get(sku) as D) : base.totalCost),
      };
    else if (delta.abs().lessThanOrEqualTo(line.tol)) pair = { ...base, status: 'match', atStake: ZERO };
    else if (delta.greaterThan(line.tol))
      pair = { ...base, status: 'under_billed', atStake: money(delta.times(line.price)) };
    else pair = { ...base, status: 'over_billed', atStake: money(delta.neg().times(line.price)) };
    pairs.push(pair);
    if (pair.status !== 'match' && pair.status !== 'usage_billed')
      discrepancies.push({ type: pair.status, key, atStake: pair.atStake });
    if (line?.pricing === 'per_unit' && used.greaterThan(0) && u?.maxUnitCost?.greaterThan(line.price)) {
      discrepancies.push({ type: 'negative_margin', key, atStake: money(u.maxUnitCost.minus(line.price).times(used)) });
    }
  }
  for (const [key, cost] of unknown) discrepancies.push({ type: 'unknown_account', key, atStake: money(cost) });
  for (const [key, cost] of unmapped) discrepancies.push({ type: 'unmapped_sku', key, atStake: money(cost) });
  return { period: p, pairs, discrepancies };
}

interface Line {
  kind: string;
  sku: string;
  amount: D;
  text: string;
}
interface Invoice {
  number: string;
  clientId: string;
  currency: string;
  issue: string;
  due: string;
  lines: Line[];
  total: D;
  balance: D;
  sent: number;
  feeCharged: boolean;
  paidOn?: string;
}
interface Fee {
  clientId: string;
  invoice: string;
  amount: D;
  on: string;
}
const MONTHS = { monthly: 1, quarterly: 3, annual: 12 } as const;

function invoiceLines(c: ClientSpec, issue: string, recon: Recon, fees: Fee[]): Line[] {
  const m = issue.slice(0, 7);
  const lines: Line[] = [];
  for (const a of AGREEMENTS.filter((x) => x.clientId === c.id && x.pricing === 'per_unit' && isActiveIn(x, m))) {
    const since = monthsBetween(a.start.slice(0, 7), m);
    if (since < 0 || since % MONTHS[a.freq] !== 0) continue;
    const from = a.start > firstDay(m) ? a.start : firstDay(m);
    const to = a.end && a.end < lastDay(m) ? a.end : lastDay(m);
    const active = daysBetween(from, to) + 1;
    const amount =
      a.freq === 'monthly'
        ? money(a.qty.times(a.price).times(active).div(daysIn(m)))
        : money(a.qty.times(a.price).times(MONTHS[a.freq]));
    lines.push({
      kind: 'recurring',
      sku: a.sku,
      amount,
      text: `${a.sku} ${q(a.qty)} × ${a.price.toFixed(2)}${a.freq !== 'monthly' ? ` × ${MONTHS[a.freq]}` : active !== daysIn(m) ? ` × ${active}/${daysIn(m)}` : ''}`,
    });
  }
  for (const pair of recon.pairs.filter((x) => x.clientId === c.id)) {
    const a = pair.line;
    if (pair.status === 'under_billed' && a?.trueUp === 'bill')
      lines.push({
        kind: 'true_up',
        sku: pair.sku,
        amount: money(pair.delta.times(a.price)),
        text: `${pair.sku} +${q(pair.delta)}`,
      });
    if (pair.status === 'over_billed' && a?.trueUp === 'credit')
      lines.push({
        kind: 'credit',
        sku: pair.sku,
        amount: money(pair.delta.times(a.price)),
        text: `${pair.sku} ${q(pair.delta)}`,
      });
    if (pair.status === 'usage_billed' && a)
      lines.push({
        kind: 'usage',
        sku: pair.sku,
        amount: money(pair.totalCost.times(a.markup.div(100).plus(1))),
        text: `${pair.sku} cost ${pair.totalCost.toFixed(2)} + ${a.markup}%`,
      });
  }
  for (const f of fees) lines.push({ kind: 'late_fee', sku: '', amount: f.amount, text: `late fee on ${f.invoice}` });
  return lines;
}

interface Payment {
  payment_id: string;
  invoice_number: string;
  amount: string;
  currency: string;
  received_on: string;
  method: string;
  reference: string;
}
type Plan = { on: string; amount: (inv: Invoice) => D; number?: string }[];

/** Who pays what when: the story of the demo (see examples/README.md). */
function paymentPlan(c: ClientSpec, inv: Invoice, run: number): Plan {
  const full = (i: Invoice): D => i.balance;
  const rng = new Rng(`pay:${c.id}:${run}`);
  const terms = c.terms ?? SETTINGS.invoice.paymentTermsDays;
  switch (c.id) {
    case 'frontier-roofing':
      return []; // never pays: reaches the final notice
    case 'bayou-freight': // pays 60 % of January on time, the rest after the late fee
      if (run === 0)
        return [
          { on: '2026-02-10', amount: (i) => money(i.total.times('0.6')) },
          { on: '2026-03-09', amount: full },
        ];
      break;
    case 'harbor-insurance': // pays a round 500.00 of March's invoice and leaves the rest open
      if (run === 2) return [{ on: '2026-03-20', amount: () => new D(500) }];
      break;
    case 'cedar-pediatrics': // pays January in full after overdue_2 and its late fee
      if (run === 0) return [{ on: '2026-02-18', amount: full }];
      break;
    case 'prairie-ag': // pays February in full after overdue_2 and its late fee
      if (run === 1) return [{ on: '2026-03-20', amount: full }];
      break;
    case 'dalton-cpa': // overpays February by 10.00
      if (run === 1) return [{ on: '2026-02-20', amount: (i) => i.balance.plus(10) }];
      break;
    case 'tallgrass-pm': // pays March on time but quotes an invoice number from the old billing system
      if (run === 2) return [{ on: '2026-03-25', amount: full, number: 'INV-2025-000871' }];
      break;
    case 'quarry-hill-school': // dunning none: pays when the school board meets
      if (run === 0) return [{ on: '2026-03-06', amount: full }];
      if (run === 1) return [{ on: '2026-04-08', amount: full }];
      return [];
  }
  return [{ on: addDays(inv.issue, rng.int(Math.min(6, terms - 5), terms - 4)), amount: full }];
}
const METHODS: Record<string, string> = { CAD: 'wire', EUR: 'sepa' };

function simulate(): { recons: Recon[]; invoices: Invoice[]; payments: Payment[]; events: string[] } {
  const invoices: Invoice[] = [];
  const recons: Recon[] = [];
  const payments: Payment[] = [];
  const events: string[] = [];
  const fees: Fee[] = [];
  const planned: { on: string; inv: Invoice; step: Plan[number] }[] = [];
  let counter = 0;
  let run = 0;
  for (const day of eachDay(DEMO_FROM, DEMO_TO)) {
    // (1) payments received today
    for (const { inv, step } of planned.filter((x) => x.on === day)) {
      const amount = money(step.amount(inv));
      const c = CLIENT.get(inv.clientId) as ClientSpec;
      const method = METHODS[c.currency] ?? new Rng(`method:${c.id}`).pick(['ach', 'ach', 'ach', 'check', 'card']);
      const number = step.number ?? inv.number;
      payments.push({
        payment_id: '',
        invoice_number: number,
        amount: amount.toFixed(2),
        currency: inv.currency,
        received_on: day,
        method,
        reference: '',
      });
      if (number !== inv.number) {
        events.push(`${day} unapplied ${amount.toFixed(2)} ${inv.currency} from ${c.id} to unknown ${number}`);
        continue;
      }
      const applied = D.min(amount, inv.balance);
      inv.balance = inv.balance.minus(applied);
      if (amount.greaterThan(applied))
        events.push(
          `${day} unapplied ${amount.minus(applied).toFixed(2)} ${inv.currency} overpayment on ${inv.number}`,
        );
      if (inv.balance.lessThanOrEqualTo(0) && !inv.paidOn) inv.paidOn = day;
    }
    // (2) dunning
    for (const inv of invoices) {
      const c = CLIENT.get(inv.clientId) as ClientSpec;
      if (c.dunning === 'none' || !inv.total.greaterThan(0) || !inv.balance.greaterThan(0) || inv.issue >= day)
        continue;
      const days = daysBetween(inv.due, day);
      let idx = -1;
      STEPS.forEach((s, i) => {
        if (s.offsetDays <= days) idx = i;
      });
      if (idx < 0 || inv.sent >= idx) continue;
      inv.sent = idx;
      let note = '';
      if (idx >= FEE_STEP && !inv.feeCharged) {
        const amount = D.max(money(inv.balance.times('1.5').div(100)), new D(25));
        fees.push({ clientId: c.id, invoice: inv.number, amount, on: day });
        inv.feeCharged = true;
        note = ` + late fee ${amount.toFixed(2)}`;
      }
      events.push(`${day} dunning ${STEPS[idx]?.name} ${inv.number} ${c.id} balance ${inv.balance.toFixed(2)}${note}`);
    }
    // (3) billing run
    if (day.endsWith('-01')) {
      const recon = reconcile(addMonths(day.slice(0, 7), -1));
      recons.push(recon);
      for (const c of [...CLIENTS].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
        const due = fees.filter((f) => f.clientId === c.id && f.on <= day);
        const lines = invoiceLines(c, day, recon, due);
        if (lines.length === 0) continue;
        for (const f of due) fees.splice(fees.indexOf(f), 1);
        const subtotal = lines.reduce((s, l) => s.plus(l.amount), ZERO);
        const tax = money(
          lines
            .filter((l) => l.kind !== 'late_fee')
            .reduce((s, l) => s.plus(l.amount), ZERO)
            .times(c.tax ?? 0)
            .div(100),
        );
        const total = subtotal.plus(tax);
        const inv: Invoice = {
          number: `INV-${day.slice(0, 4)}-${String(++counter).padStart(6, '0')}`,
          clientId: c.id,
          currency: c.currency,
          issue: day,
          due: addDays(day, c.terms ?? SETTINGS.invoice.paymentTermsDays),
          lines,
          total,
          balance: total,
          sent: -1,
          feeCharged: false,
        };
        invoices.push(inv);
        for (const step of paymentPlan(c, inv, run)) if (step.on <= DEMO_TO) planned.push({ on: step.on, inv, step });
      }
      run++;
    }
  }
  payments.sort((a, b) =>
    a.received_on < b.received_on
      ? -1
      : a.received_on > b.received_on
        ? 1
        : a.invoice_number < b.invoice_number
          ? -1
          : 1,
  );
  payments.forEach((p, i) => {
    p.payment_id = `PAY-${p.received_on.slice(0, 4)}-${String(i + 1).padStart(4, '0')}`;
    p.reference =
      p.method === 'check'
        ? `Check ${new Rng(`chk:${i}`).int(1000, 9999)}`
        : p.method === 'card'
          ? `Card ****${new Rng(`card:${i}`).int(1000, 9999)}`
          : `${p.method.toUpperCase()} ${new Rng(`ref:${i}`).digits(10)}`;
  });
  return { recons, invoices, payments, events };
}

// ---------------------------------------------------------------------------------------------
// Writing.

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) || /^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
function csv(header: string[], rows: Row[], crlf = false): string {
  const eol = crlf ? '\r\n' : '\n';
  return (
    [header, ...rows.map((r) => header.map((h) => r[h] ?? ''))].map((cells) => cells.map(csvCell).join(',')).join(eol) +
    eol
  );
}
function write(rel: string, text: string, bom = false): void {
  const path = join(OUT, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, (bom ? '\ufeff' : '') + text);
}

/** docs/contract.md §2: two lines for one (client, sku) must never be active in the same month. */
function checkAgreementsDoNotOverlap(): void {
  for (let m = '2023-01'; m <= '2027-12'; m = addMonths(m, 1)) {
    const seen = new Map<string, string>();
    for (const a of AGREEMENTS.filter((x) => isActiveIn(x, m))) {
      const other = seen.get(`${a.clientId}|${a.sku}`);
      if (other) throw new Error(`${other} and ${a.id} are both active in ${m}`);
      seen.set(`${a.clientId}|${a.sku}`, a.id);
    }
  }
}

function main(): void {
  checkAgreementsDoNotOverlap();
  rmSync(OUT, { recursive: true, force: true });
  write('trueup.json', JSON.stringify(SETTINGS, null, 2) + '\n');
  writeFileSync(join(OUT, SETTINGS.msp.logo), logoPng());
  write(
    'clients.csv',
    csv(
      [
        'client_id',
        'name',
        'billing_email',
        'currency',
        'payment_terms_days',
        'tax_rate',
        'dunning',
        'postal_address',
        'po_number',
        'tax_id',
      ],
      CLIENTS.map((c) => ({
        client_id: c.id,
        name: c.name,
        billing_email: c.emails.join(';'),
        currency: c.currency,
        payment_terms_days: c.terms === undefined ? '' : String(c.terms),
        tax_rate: c.tax ?? '',
        dunning: c.dunning ?? '',
        postal_address: CLIENT_DOCUMENTS[c.id]?.address ?? '',
        po_number: CLIENT_DOCUMENTS[c.id]?.po ?? '',
        tax_id: CLIENT_DOCUMENTS[c.id]?.taxId ?? '',
      })),
    ),
  );
  write(
    'accounts.csv',
    csv(
      ['vendor', 'account_id', 'client_id'],
      ACCOUNTS.map((a) => ({ vendor: a.vendor, account_id: a.accountId, client_id: a.clientId })),
    ),
  );
  write(
    'products.csv',
    csv(
      ['sku', 'name', 'unit', 'aggregation', 'list_price'],
      PRODUCTS.map((p) => ({
        sku: p.sku,
        name: p.name,
        unit: p.unit,
        aggregation: p.aggregation,
        list_price: p.listPrice ?? '',
      })),
    ),
  );
  write(
    'sku-map.csv',
    csv(
      ['vendor', 'vendor_sku', 'sku', 'factor'],
      SKU_MAP.map((m) => ({ vendor: m.vendor, vendor_sku: m.vendorSku, sku: m.sku, factor: m.factor ?? '' })),
    ),
  );
  write(
    'agreements.csv',
    csv(
      [
        'agreement_id',
        'client_id',
        'sku',
        'quantity',
        'unit_price',
        'pricing',
        'markup_percent',
        'start_date',
        'end_date',
        'billing_frequency',
        'true_up',
        'tolerance',
        'description',
      ],
      AGREEMENTS.map((a): Row =>
        a.pricing === 'cost_plus'
          ? {
              agreement_id: a.id,
              client_id: a.clientId,
              sku: a.sku,
              quantity: a.raw.qty,
              unit_price: a.raw.price,
              pricing: 'cost_plus',
              markup_percent: a.raw.markup ?? '',
              start_date: a.start,
              description: a.description ?? '',
            }
          : {
              agreement_id: a.id,
              client_id: a.clientId,
              sku: a.sku,
              quantity: a.raw.qty,
              unit_price: a.raw.price,
              pricing: 'per_unit',
              markup_percent: '',
              start_date: a.start,
              end_date: a.end ?? '',
              billing_frequency: a.freq,
              true_up: a.trueUp,
              tolerance: a.raw.tol ?? '0',
              description: a.description ?? '',
            },
      ),
    ),
  );
  for (const [name, f] of FILES) write(join('usage', name), csv(f.header, f.rows, f.crlf), f.bom);
  // The real CUR 2.0 sample arrives the other way in: an `s3` pull source copies it from another
  // account's export bucket (on one machine, a bucket on the embedded S3: remote/s3/<bucket>/).
  write(join('remote', 's3', 'acme-aws-exports', 'cur2', SAMPLE_NAME), readFileSync(SAMPLE, 'utf8')); // byte for byte (ASCII)
  write('sources.json', JSON.stringify(SOURCES, null, 2) + '\n');

  const { recons, invoices, payments, events } = simulate();
  write(
    join('payments', 'payments.csv'),
    csv(
      ['payment_id', 'invoice_number', 'amount', 'currency', 'received_on', 'method', 'reference'],
      payments as unknown as Row[],
    ),
  );

  const files = readdirSync(join(OUT, 'usage')).length;
  console.log(
    `Wrote ${OUT}: ${CLIENTS.length} clients, ${ACCOUNTS.length} accounts, ${AGREEMENTS.length} agreement lines, ${files} usage files, ${payments.length} payments.`,
  );
  if (process.argv.includes('--story')) {
    for (const r of recons) {
      const counts = new Map<string, number>();
      for (const p of r.pairs) counts.set(p.status, (counts.get(p.status) ?? 0) + 1);
      console.log(`\n${r.period}: ${r.pairs.length} pairs ${JSON.stringify(Object.fromEntries(counts))}`);
      for (const d of r.discrepancies)
        console.log(`  ${d.type.padEnd(15)} ${d.key.padEnd(32)} ${d.atStake.toFixed(2)}`);
    }
    console.log('');
    for (const inv of invoices) {
      const extra = inv.lines
        .filter((l) => l.kind !== 'recurring')
        .map((l) => `${l.kind} ${l.text} ${l.amount.toFixed(2)}`)
        .join('; ');
      console.log(
        `${inv.number} ${inv.clientId.padEnd(22)} ${inv.currency} total ${inv.total.toFixed(2).padStart(9)} balance ${inv.balance.toFixed(2).padStart(9)}${inv.paidOn ? ` paid ${inv.paidOn}` : ''}${extra ? `  [${extra}]` : ''}`,
      );
    }
    console.log('');
    for (const e of events) console.log(e);
  }
}

main();

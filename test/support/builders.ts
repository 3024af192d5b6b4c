/** Small builders for domain values in tests: defaults from docs/contract.md §2, overrides per case. */
import { Dec } from '../../functions/domain/money.js';
import { DEFAULT_SETTINGS } from '../../functions/domain/reference/index.js';
import type {
  Agreement,
  Client,
  Product,
  ReferenceData,
  Settings,
  SkuMapping,
  UsageRecord,
} from '../../functions/domain/billing-types.js';

export const d = (value: string | number): Dec => new Dec(value);

/** The defaults of docs/contract.md §2 (the reference module's parse of an empty trueup.json), with overrides. */
export function settings(overrides: Partial<Settings> = {}): Settings {
  return { ...DEFAULT_SETTINGS, ...overrides };
}

export function client(overrides: Partial<Client> = {}): Client {
  return {
    clientId: 'C001',
    name: 'Client One',
    billingEmails: ['ap@c1.example'],
    currency: 'USD',
    paymentTermsDays: 30,
    taxRate: d(0),
    dunning: 'standard',
    ...overrides,
  };
}

export function product(overrides: Partial<Product> = {}): Product {
  return { sku: 'SEAT', name: 'Seat', unit: 'seat', aggregation: 'max', ...overrides };
}

export function mapping(overrides: Partial<SkuMapping> = {}): SkuMapping {
  return { vendor: 'microsoft', vendorSku: 'seat-sku', sku: 'SEAT', factor: d(1), ...overrides };
}

export function agreement(overrides: Partial<Agreement> = {}): Agreement {
  return {
    agreementId: 'A1',
    clientId: 'C001',
    sku: 'SEAT',
    quantity: d(10),
    unitPrice: d('12.50'),
    pricing: 'per_unit',
    markupPercent: d(0),
    startDate: '2024-01-01',
    billingFrequency: 'monthly',
    trueUp: 'bill',
    tolerance: d(0),
    ...overrides,
  };
}

let line = 1;
export function usage(overrides: Partial<UsageRecord> = {}): UsageRecord {
  line += 1;
  return {
    vendor: 'microsoft',
    accountId: 'T1',
    vendorSku: 'seat-sku',
    quantity: d(10),
    usageDate: '2025-01-15',
    period: '2025-01',
    source: { file: 'usage.csv', line },
    ...overrides,
  };
}

export function reference(overrides: Partial<ReferenceData> = {}): ReferenceData {
  return {
    settings: settings(),
    clients: [client()],
    accounts: [{ vendor: 'microsoft', accountId: 'T1', clientId: 'C001' }],
    products: [product()],
    skuMap: [mapping()],
    agreements: [agreement()],
    ...overrides,
  };
}

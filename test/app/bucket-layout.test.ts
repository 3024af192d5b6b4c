/**
 * The bucket layout (functions/app/bucket-layout.ts): the keys are spelled out here, literally,
 * so that a change to the layout is a change to this test; and the checked readers give back
 * what was stored, field order included, or an error naming the key and the field.
 */
import { describe, expect, it } from 'vitest';
import {
  agingReportKey,
  archiveKey,
  discrepanciesCsvKey,
  emailObjectKey,
  inboxKey,
  invoiceKey,
  normalizedKey,
  normalizedPrefix,
  parsePartKey,
  planKey,
  readPlan,
  readReconciliation,
  readSeal,
  reconciliationKey,
  reconciliationReportKey,
  referencesKey,
  referencesPrefix,
  rejectedKey,
  sealedFileOf,
  sealKey,
  writePlan,
  writeReconciliation,
  writeSeal,
} from '../../functions/app/bucket-layout.js';
import type { BlobStore } from '../../functions/app/ports.js';
import type { ReconciliationJson } from '../../functions/app/reconciliation-json.js';

/** A bucket in memory. */
class MemoryStore implements BlobStore {
  readonly objects = new Map<string, Uint8Array>();
  async put(key: string, body: Uint8Array | string): Promise<void> {
    this.objects.set(key, typeof body === 'string' ? new TextEncoder().encode(body) : body);
  }
  async putStream(): Promise<void> {
    throw new Error('not used');
  }
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key);
  }
  async stream(): Promise<AsyncIterable<Uint8Array>> {
    throw new Error('not used');
  }
  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  async copy(): Promise<void> {
    throw new Error('not used');
  }
  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }
  text(key: string): string {
    return new TextDecoder().decode(this.objects.get(key));
  }
}

const SHA = 'ab'.repeat(32);

describe('the keys', () => {
  it('spell the usage bucket', () => {
    expect(inboxKey('2025-01/x.csv')).toBe('inbox/2025-01/x.csv');
    expect(archiveKey(SHA)).toBe(`archive/${SHA}`);
    expect(rejectedKey(SHA, '../a\\b\u0007.csv')).toBe(`rejected/${SHA}/.._a_b_.csv.errors.csv`);
  });

  it('spell the artifacts bucket', () => {
    expect(normalizedKey('2025-01', SHA, 0)).toBe(`normalized/2025-01/${SHA}.00000.ndjson`);
    expect(referencesKey('2025-01', SHA, 12)).toBe(`refs/2025-01/${SHA}.00012.txt`);
    expect(sealKey('2025-01', SHA)).toBe(`normalized/2025-01/${SHA}.parts.json`);
    expect(reconciliationKey('2025-01')).toBe('reconciliation/2025-01.json');
    expect(planKey('2025-01')).toBe('billing/2025-01/plan.ndjson');
    expect(invoiceKey('INV-2025-000001', 'pdf')).toBe('invoices/INV-2025-000001.pdf');
    expect(reconciliationReportKey('2025-01')).toBe('reports/reconciliation-2025-01.html');
    expect(discrepanciesCsvKey('2025-01')).toBe('reports/discrepancies-2025-01.csv');
    expect(agingReportKey('2025-02-03', 'csv')).toBe('reports/aging-2025-02-03.csv');
    expect(emailObjectKey('dunning#C1#2025-02-10')).toBe('emails/dunning_C1_2025-02-10.eml');
  });

  it('refuse part numbers outside five digits', () => {
    expect(() => normalizedKey('2025-01', SHA, 100_000)).toThrow(RangeError);
    expect(() => referencesKey('2025-01', SHA, -1)).toThrow(RangeError);
  });

  it('are read back from a listing', () => {
    expect(parsePartKey(normalizedKey('2025-01', SHA, 7), normalizedPrefix('2025-01'))).toEqual({
      sha256: SHA,
      part: 7,
    });
    expect(parsePartKey(referencesKey('2025-01', SHA, 3), referencesPrefix('2025-01'))).toEqual({
      sha256: SHA,
      part: 3,
    });
    expect(parsePartKey(sealKey('2025-01', SHA), normalizedPrefix('2025-01'))).toBeUndefined();
    expect(sealedFileOf(sealKey('2025-01', SHA), '2025-01')).toBe(SHA);
    expect(sealedFileOf(normalizedKey('2025-01', SHA, 0), '2025-01')).toBeUndefined();
  });
});

/** Every optional field present, in the order the billing run writes them. */
const FULL: ReconciliationJson = {
  period: '2025-01',
  pairs: [
    {
      clientId: 'C1',
      sku: 'S1',
      status: 'under_billed',
      contracted: '10',
      used: '12',
      delta: '2',
      amountAtStake: '24.00',
      currency: 'USD',
      agreementId: 'A1',
      totalCost: '18.5',
    },
  ],
  discrepancies: [
    {
      id: 'd1',
      type: 'under_billed',
      clientId: 'C1',
      sku: 'S1',
      vendor: 'pax8',
      accountId: 'T1',
      vendorSku: 'V1',
      amountAtStake: '24.00',
      currency: 'USD',
      detail: 'why',
    },
  ],
  metrics: { pairs: 1, discrepancies: 1, discrepancyRate: '1.0000' },
  files: [
    {
      name: 'a.csv',
      format: 'pax8',
      rowsRead: 3,
      rowsAccepted: 2,
      rowsRejected: 1,
      rowsDuplicate: 0,
      duplicateOf: 'b.csv',
      fileError: 'bad',
      sha256: SHA,
    },
  ],
  held: [{ vendor: 'microsoft', clientId: 'C2', sku: 'S2' }],
  released: [
    {
      period: '2024-12',
      vendor: 'microsoft',
      pairs: [
        {
          clientId: 'C3',
          sku: 'S3',
          status: 'match',
          contracted: '1',
          used: '1',
          delta: '0',
          amountAtStake: '0.00',
          currency: 'USD',
        },
      ],
      discrepancies: [
        {
          id: 'd2',
          type: 'unknown_account',
          vendor: 'microsoft',
          accountId: 'T9',
          amountAtStake: null,
          currency: 'USD',
        },
      ],
    },
  ],
};

/** Only the fields that are always there. */
const BARE: ReconciliationJson = {
  period: '2025-02',
  pairs: [
    {
      clientId: 'C1',
      sku: 'S1',
      status: 'match',
      contracted: '1',
      used: '1',
      delta: '0',
      amountAtStake: '0.00',
      currency: 'EUR',
    },
  ],
  discrepancies: [{ id: 'd3', type: 'missing_feed', amountAtStake: null, currency: 'EUR' }],
  metrics: { pairs: 1, discrepancies: 1, discrepancyRate: '0.0000' },
  files: [{ name: 'x.csv', rowsRead: 0, rowsAccepted: 0, rowsRejected: 0, rowsDuplicate: 0 }],
};

describe('readReconciliation', () => {
  it('gives back what was stored, field for field and in order', async () => {
    const store = new MemoryStore();
    for (const json of [FULL, BARE]) {
      await writeReconciliation(store, json);
      const stored = store.text(reconciliationKey(json.period));
      expect(stored).toBe(JSON.stringify(json, null, 1));
      expect(JSON.stringify(await readReconciliation(store, reconciliationKey(json.period)), null, 1)).toBe(stored);
    }
  });

  it('is undefined when none is stored', async () => {
    expect(await readReconciliation(new MemoryStore(), reconciliationKey('2025-03'))).toBeUndefined();
  });

  it('names the key and the field of a stored object of another shape', async () => {
    const store = new MemoryStore();
    await store.put(reconciliationKey('2025-01'), JSON.stringify({ ...FULL, pairs: [{ ...FULL.pairs[0], used: 12 }] }));
    await expect(readReconciliation(store, reconciliationKey('2025-01'))).rejects.toThrow(
      /^reconciliation\/2025-01\.json: pairs\.0\.used: .*expected string/,
    );
    await store.put(reconciliationKey('2025-02'), '{"period":');
    await expect(readReconciliation(store, reconciliationKey('2025-02'))).rejects.toThrow(
      /^reconciliation\/2025-02\.json: not JSON/,
    );
  });
});

describe('the plan', () => {
  it('is stored one entry a line and read back; an empty plan is no entry, not none', async () => {
    const store = new MemoryStore();
    const entries = [
      { draft: { clientId: 'C1', total: '1.00' }, lateFees: [] },
      { draft: { clientId: 'C2' }, lateFees: [{ amount: '5.00' }] },
    ];
    await writePlan(
      store,
      '2025-01',
      entries.map((e) => JSON.stringify(e)),
    );
    expect(store.text(planKey('2025-01'))).toBe(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    expect(await readPlan(store, '2025-01')).toEqual(entries);
    await writePlan(store, '2025-02', []);
    expect(await readPlan(store, '2025-02')).toEqual([]);
    expect(await readPlan(store, '2025-03')).toBeUndefined();
  });

  it('names the line of an entry of another shape', async () => {
    const store = new MemoryStore();
    await store.put(planKey('2025-01'), '{"draft":{},"lateFees":[]}\n{"draft":{}}\n');
    await expect(readPlan(store, '2025-01')).rejects.toThrow(/^billing\/2025-01\/plan\.ndjson line 2: lateFees: /);
  });
});

describe('the seal', () => {
  it('is stored as {"records":n,"refs":m} and read back', async () => {
    const store = new MemoryStore();
    await writeSeal(store, '2025-01', SHA, { records: 2, refs: 0 });
    expect(store.text(sealKey('2025-01', SHA))).toBe('{"records":2,"refs":0}');
    expect(await readSeal(store, sealKey('2025-01', SHA))).toEqual({ records: 2, refs: 0 });
    await store.put(sealKey('2025-02', SHA), '{"records":-1,"refs":0}');
    await expect(readSeal(store, sealKey('2025-02', SHA))).rejects.toThrow(/parts\.json: records: /);
  });
});

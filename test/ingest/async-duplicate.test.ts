/**
 * ReadOptions.isDuplicate may answer with a promise (the app loads a period's stored references
 * on the first row that meets it): the reader waits for the answer before the next row and
 * counts it like a boolean; a boolean answer keeps the row synchronous.
 */
import { describe, expect, it } from 'vitest';
import type { UsageRecord } from '../../functions/domain/billing-types.js';
import { readUsageBuffer } from '../../functions/ingest/read-usage-file.js';
import type { DuplicateKey } from '../../functions/ingest/reader-types.js';

const CSV =
  [
    'vendor,account_id,vendor_sku,quantity,usage_date,reference',
    'microsoft,T1,seat-sku,1,2025-01-10,A',
    'microsoft,T1,seat-sku,2,2025-01-11,B',
    'microsoft,T1,seat-sku,3,2025-01-12,A',
    'microsoft,T1,seat-sku,4,2025-02-12,A',
    'microsoft,T1,seat-sku,5,2025-01-13,',
    'microsoft,T1,seat-sku,6,2025-01-14,B',
    'microsoft,T1,seat-sku,7,2025-02-14,C',
  ].join('\n') + '\n';

const NDJSON =
  CSV.split('\n')
    .slice(1)
    .filter(Boolean)
    .map((row) => {
      const [vendor, account_id, vendor_sku, quantity, usage_date, reference] = row.split(',');
      return JSON.stringify({
        vendor,
        account_id,
        vendor_sku,
        quantity,
        usage_date,
        ...(reference ? { reference } : {}),
      });
    })
    .join('\n') + '\n';

const later = <T>(value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), 1));

/** A duplicate set that answers every question with a promise settled on a later timer. */
function promisedSet(events: string[]): (key: DuplicateKey) => Promise<boolean> {
  const seen = new Set<string>();
  return async ({ vendor, period, reference }) => {
    events.push(`ask ${period} ${reference}`);
    const key = `${vendor}\u0000${period}\u0000${reference}`;
    const known = await later(seen.has(key));
    seen.add(key);
    events.push(`answer ${period} ${reference} ${known}`);
    return known;
  };
}

describe('a promised isDuplicate answer', () => {
  // The duplicates' lines: NDJSON has no header line.
  for (const [format, text, lines] of [
    ['CSV', CSV, [4, 7]],
    ['NDJSON', NDJSON, [3, 6]],
  ] as const) {
    it(`is awaited before the next row and counted (${format})`, async () => {
      const events: string[] = [];
      const records: UsageRecord[] = [];
      const summary = await readUsageBuffer(
        'usage',
        Buffer.from(text),
        (record) => {
          events.push(`sink ${record.period} ${record.reference ?? '-'}`);
          records.push(record);
        },
        { isDuplicate: promisedSet(events) },
      );
      expect([summary.rowsRead, summary.rowsAccepted, summary.rowsRejected, summary.rowsDuplicate]).toEqual([
        7, 5, 0, 2,
      ]);
      expect(records.map((r) => r.quantity.toString())).toEqual(['1', '2', '4', '5', '7']);
      expect(summary.duplicates.map((r) => r.line)).toEqual(lines);
      expect(events).toEqual([
        'ask 2025-01 A',
        'answer 2025-01 A false',
        'sink 2025-01 A',
        'ask 2025-01 B',
        'answer 2025-01 B false',
        'sink 2025-01 B',
        'ask 2025-01 A',
        'answer 2025-01 A true',
        'ask 2025-02 A',
        'answer 2025-02 A false',
        'sink 2025-02 A',
        'sink 2025-01 -',
        'ask 2025-01 B',
        'answer 2025-01 B true',
        'ask 2025-02 C',
        'answer 2025-02 C false',
        'sink 2025-02 C',
      ]);
    });
  }

  it('may come for some rows only, and a boolean answer keeps the rows synchronous', async () => {
    const events: string[] = [];
    const seen = new Set<string>();
    const loaded = new Set<string>();
    // As the app does: a promise for the first row of a period, booleans after it.
    const isDuplicate = ({ period, reference }: DuplicateKey): boolean | Promise<boolean> => {
      const check = (): boolean => {
        events.push(`check ${period}/${reference}`);
        const known = seen.has(`${period}/${reference}`);
        seen.add(`${period}/${reference}`);
        return known;
      };
      if (loaded.has(period)) return check();
      return later(undefined).then(() => {
        loaded.add(period);
        events.push(`loaded ${period}`);
        return check();
      });
    };
    const summary = await readUsageBuffer(
      'usage.csv',
      Buffer.from(CSV),
      (record) => {
        events.push(`sink ${record.quantity.toString()}`);
        // A microtask queued here runs only when the reader next awaits.
        if (record.quantity.toString() === '2') queueMicrotask(() => events.push('microtask'));
      },
      { isDuplicate },
    );
    expect([summary.rowsRead, summary.rowsAccepted, summary.rowsDuplicate]).toEqual([7, 5, 2]);
    // Row 3 (a duplicate) is checked before the microtask queued at row 2 runs: no await between
    // rows answered with a boolean; the first await is row 4's, which loads 2025-02.
    expect(events).toEqual([
      'loaded 2025-01',
      'check 2025-01/A',
      'sink 1',
      'check 2025-01/B',
      'sink 2',
      'check 2025-01/A',
      'microtask',
      'loaded 2025-02',
      'check 2025-02/A',
      'sink 4',
      'sink 5',
      'check 2025-01/B',
      'check 2025-02/C',
      'sink 7',
    ]);
  });
});

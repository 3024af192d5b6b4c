/**
 * The NDJSON line of a normalized record is written by hand (usage-records.ts encodeRecord):
 * it must carry exactly what JSON.stringify of the record carries.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord } from '../../functions/app/usage-records.js';
import { Dec } from '../../functions/domain/money.js';
import type { UsageRecord } from '../../functions/domain/billing-types.js';

const text = fc.string({
  unit: fc.oneof(
    fc.constantFrom('"', '\\', '\n', '\u0000', '\u2028', 'é', '𝄞'),
    fc.string({ minLength: 1, maxLength: 1 }),
  ),
  maxLength: 12,
});
const dec = fc
  .oneof(
    fc.constantFrom('0', '-0', '1.50', '1e-7', '-12.345', '123456789012345678901234567890.5', '0.00000001', '9e+21'),
    fc.integer({ min: -1e9, max: 1e9 }).map(String),
  )
  .map((literal) => new Dec(literal));
const record: fc.Arbitrary<UsageRecord> = fc.record(
  {
    vendor: text,
    accountId: text,
    vendorSku: text,
    quantity: dec,
    usageDate: text,
    period: text,
    unitCost: fc.option(dec, { nil: undefined }),
    cost: fc.option(dec, { nil: undefined }),
    currency: fc.option(text, { nil: undefined }),
    reference: fc.option(text, { nil: undefined }),
    source: fc.record({ file: text, line: fc.nat() }),
  },
  { requiredKeys: ['vendor', 'accountId', 'vendorSku', 'quantity', 'usageDate', 'period', 'source'] },
);

describe('encodeRecord', () => {
  it('writes what JSON.stringify writes, field for field', () => {
    fc.assert(
      fc.property(record, (r) => {
        const line = encodeRecord(r);
        expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(r)));
        expect(line).not.toContain('\n');
        // The same instance again (its text is kept): the same line.
        expect(encodeRecord(r)).toBe(line);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads back to equal values, signs of zero and exponents included', () => {
    fc.assert(
      fc.property(record, (r) => {
        const back = decodeRecord(encodeRecord(r));
        expect(back.quantity.toString()).toBe(r.quantity.toString());
        expect(back.quantity.isNeg()).toBe(r.quantity.isNeg());
        expect(back.cost?.toString()).toBe(r.cost?.toString());
        expect(back.unitCost?.toString()).toBe(r.unitCost?.toString());
        expect(back.reference).toBe(r.reference);
        expect(back.source).toEqual(r.source);
      }),
      { numRuns: 1000 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReferenceSet } from '../../functions/ingest/reference-set.js';
import type { DuplicateKey } from '../../functions/ingest/reader-types.js';

describe('ReferenceSet', () => {
  it('answers exactly like a Set of the keys, wide characters and separators included', () => {
    const part = fc.oneof(
      fc.constantFrom('', 'a', 'rmm', '2025-01', 'é', '€', '\u0000', 'a\u0000b'),
      fc.string({ maxLength: 4 }),
    );
    const key = fc.record({ vendor: part, period: part, reference: part });
    fc.assert(
      fc.property(fc.array(key, { maxLength: 60 }), (keys: DuplicateKey[]) => {
        const set = new ReferenceSet();
        const model = new Set<string>();
        for (const k of keys) {
          const text = JSON.stringify([k.vendor, k.period, k.reference]);
          expect(set.seen(k)).toBe(model.has(text));
          model.add(text);
        }
        expect(set.size).toBe(model.size);
      }),
    );
  });

  it('keeps a million keys apart while growing', () => {
    // Prepare
    const set = new ReferenceSet();
    // Act
    for (let i = 0; i < 1_000_000; i++) set.seen({ vendor: 'rmm', period: '2025-01', reference: `R${i}` });
    // Assess
    expect(set.size).toBe(1_000_000);
    expect(set.seen({ vendor: 'rmm', period: '2025-01', reference: 'R999999' })).toBe(true);
    expect(set.seen({ vendor: 'rmm', period: '2025-02', reference: 'R999999' })).toBe(false);
    expect(set.seen({ vendor: 'rmm', period: '2025-01', reference: 'R1000000' })).toBe(false);
  });
});

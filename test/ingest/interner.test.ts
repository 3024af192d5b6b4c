import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashText, Interner } from '../../functions/ingest/interner.js';

describe('Interner', () => {
  it('returns one shared string per text, equal to the cell, whatever the hashes and the capacity', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 6 }), { maxLength: 60 }),
        fc.constantFrom(2, 4, 64),
        fc.boolean(),
        (cells, capacity, badHash) => {
          let derivations = 0;
          const interner = new Interner((text) => {
            derivations++;
            return text.length;
          }, capacity);
          const line = cells.join(',');
          const kept = new Map<string, string>();
          let from = 0;
          for (const cell of cells) {
            const to = from + cell.length;
            // A constant hash puts every text in one probe chain: only the full comparison tells them apart.
            const entry = interner.lookup(line, from, to, badHash ? 7 : hashText(line, from, to));
            const text = interner.text(entry);
            expect(text).toBe(cell);
            expect(interner.value(entry)).toBe(cell.length);
            from = to + 1;
            kept.set(cell, text);
          }
          // Never more derivations than lookups, and exactly one per distinct text while nothing was dropped.
          expect(derivations).toBeLessThanOrEqual(cells.length);
          if (new Set(cells).size < capacity) expect(derivations).toBe(new Set(cells).size);
        },
      ),
      { numRuns: 500 },
    );
  });
});

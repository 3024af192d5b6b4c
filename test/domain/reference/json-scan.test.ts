import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanJson } from '../../../functions/domain/reference/json-scan.js';

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('scanJson agrees with JSON.parse on what is JSON', () => {
  it('accepts every JSON text, with no repeated key', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(scanJson(text)).toEqual({ duplicates: [] });
      }),
      { numRuns: 500 },
    );
  });

  it('finds an error exactly when JSON.parse throws', () => {
    const pieces = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"a"',
      '"\\u00e9"',
      '"\\x"',
      '1',
      '-0.5e3',
      '01',
      'true',
      'nul',
      'NaN',
      ' ',
      '\n',
      '"',
      '\\',
    );
    fc.assert(
      fc.property(
        fc.array(pieces, { maxLength: 12 }).map((p) => p.join('')),
        (text) => {
          expect(scanJson(text).errorAt === undefined).toBe(parses(text));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('names the repeated key with its path and both offsets, at any depth', () => {
    expect(scanJson('{"a":[{"b":1,"b":2}],"a":0}').duplicates).toEqual([
      { key: 'b', path: 'a[0].b', firstAt: 7, at: 13 },
      { key: 'a', path: 'a', firstAt: 1, at: 21 },
    ]);
    expect(scanJson(`{"x":${'['.repeat(200_000)}${']'.repeat(200_000)}}`)).toEqual({ duplicates: [] });
  });
});

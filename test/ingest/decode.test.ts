import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeBytes, decodeStream, sniffBom } from '../../functions/text/decode.js';
import { chunksOf } from './helpers.js';

const TEXT = 'vendor,quantity\nrmm,€ 5 😀\r\n';

function encodings(text: string): Record<string, Uint8Array> {
  const le = Buffer.from(text, 'utf16le');
  return {
    'utf-8': Buffer.from(text),
    'utf-8 with BOM': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
    'utf-16 LE with BOM': Buffer.concat([Buffer.from([0xff, 0xfe]), le]),
    'utf-16 BE with BOM': Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(le).swap16()]),
  };
}

async function collect(stream: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const part of stream) text += part;
  return text;
}

describe('decodeBytes', () => {
  it.each(Object.entries(encodings(TEXT)))('decodes %s and strips the BOM', (_name, bytes) => {
    // Act
    const text = decodeBytes(bytes);
    // Assess
    expect(text).toBe(TEXT);
  });

  it('turns invalid UTF-8 into U+FFFD instead of throwing', () => {
    expect(decodeBytes(Uint8Array.from([0x63, 0x61, 0x66, 0xe9]))).toBe('caf\uFFFD');
  });

  it('decodes an empty buffer to an empty string', () => {
    expect(decodeBytes(new Uint8Array(0))).toBe('');
  });
});

describe('sniffBom', () => {
  it('reports UTF-8 without BOM when the first bytes are ordinary text', () => {
    expect(sniffBom(Buffer.from('ab'))).toEqual({ encoding: 'utf-8', length: 0 });
  });
});

describe('decodeStream', () => {
  it.each(Object.entries(encodings(TEXT)))('decodes %s split into 1-byte chunks', async (_name, bytes) => {
    // Act
    const text = await collect(decodeStream(chunksOf(bytes, 1)));
    // Assess
    expect(text).toBe(TEXT);
  });

  it('decodes a file shorter than the longest BOM', async () => {
    expect(await collect(decodeStream(chunksOf(Buffer.from('a'), 1)))).toBe('a');
  });

  it('gives the same text as decodeBytes for any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.constantFrom(...Object.keys(encodings(''))),
        fc.integer({ min: 1, max: 7 }),
        async (text, encoding, size) => {
          // Prepare
          const bytes = encodings(text)[encoding] as Uint8Array;
          // Act
          const streamed = await collect(decodeStream(chunksOf(bytes, size)));
          // Assess
          expect(streamed).toBe(decodeBytes(bytes));
        },
      ),
    );
  });

  it('gives what one decode gives for any bytes, ASCII runs and broken sequences mixed, for any chunking', async () => {
    // ASCII runs take the Latin-1 copy; the rest, cut sequences included, the decoder.
    const piece = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', ',', '\n', '1'), maxLength: 12 }).map((t) => Buffer.from(t)),
      fc.uint8Array({ maxLength: 6 }),
      fc.constantFrom(
        ...['é', '€', '𝄞'].map((c) => Buffer.from(c)),
        Buffer.from([0xe2, 0x82]),
        Buffer.from([0xc3]),
        Buffer.from([0x80]),
        Buffer.from([0xef, 0xbb, 0xbf]),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 12 }), fc.integer({ min: 1, max: 9 }), async (pieces, size) => {
        const bytes = Buffer.concat(pieces);
        expect(await collect(decodeStream(chunksOf(bytes, size)))).toBe(decodeBytes(bytes));
      }),
      { numRuns: 2000 },
    );
  });
});

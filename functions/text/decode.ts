/**
 * Bytes to text for every file TrueUp reads (docs/contract.md §2): UTF-8 with or without a
 * byte-order mark, and UTF-16 LE/BE with a BOM. The BOM is sniffed from the first bytes and
 * never appears in the returned text. Without a BOM the bytes are UTF-8; invalid sequences
 * become U+FFFD rather than throwing, so a bad byte is reported by the row validation that
 * sees it instead of failing the whole file.
 */

import { Buffer, isAscii } from 'node:buffer';
import { TextDecoder } from 'node:util';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export interface Bom {
  readonly encoding: TextEncoding;
  /** Length of the byte-order mark in bytes (0 when there is none). */
  readonly length: number;
}

/** The encoding announced by the first bytes; UTF-8 without BOM when nothing matches. */
export function sniffBom(head: Uint8Array): Bom {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  return { encoding: 'utf-8', length: 0 };
}

// ignoreBOM: true keeps TextDecoder from eating a BOM itself: we strip exactly the one we sniffed.
function decoderFor(encoding: TextEncoding): TextDecoder {
  return new TextDecoder(encoding, { fatal: false, ignoreBOM: true });
}

/** Decodes a whole buffer, stripping its BOM. */
export function decodeBytes(bytes: Uint8Array): string {
  const bom = sniffBom(bytes);
  return decoderFor(bom.encoding).decode(bytes.subarray(bom.length));
}

/** The longest BOM; the stream waits for this many bytes before choosing an encoding. */
const SNIFF_BYTES = 3;

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Decodes a stream of byte chunks into text chunks. Chunk boundaries may split a character
 * (or a UTF-16 surrogate pair); TextDecoder with `stream: true` carries the partial bytes over.
 * Empty text chunks are not yielded.
 *
 * A UTF-8 chunk that is all ASCII (the usual usage file) is copied as Latin-1 instead, several
 * times faster than decoding it. Bytes the decoder still holds from the chunk before are then
 * an incomplete sequence followed by an ASCII byte, which the decoder would turn into one
 * U+FFFD; flushing it gives that same U+FFFD.
 */
export async function* decodeStream(chunks: AsyncIterable<Uint8Array>): AsyncIterable<string> {
  let decoder: TextDecoder | undefined;
  let utf8 = false;
  let holding = false;
  let head: Uint8Array = new Uint8Array(0);
  for await (const chunk of chunks) {
    let bytes = chunk;
    if (!decoder) {
      head = concat(head, chunk);
      if (head.length < SNIFF_BYTES) continue;
      const bom = sniffBom(head);
      decoder = decoderFor(bom.encoding);
      utf8 = bom.encoding === 'utf-8';
      bytes = head.subarray(bom.length);
    }
    let text: string;
    if (utf8 && isAscii(bytes)) {
      const ascii = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
      text = holding ? decoder.decode() + ascii : ascii;
      holding = false;
    } else {
      text = decoder.decode(bytes, { stream: true });
      holding = true;
    }
    if (text.length > 0) yield text;
  }
  const tail = decoder ? decoder.decode() : decodeBytes(head);
  if (tail.length > 0) yield tail;
}

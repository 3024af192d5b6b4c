/**
 * What wraps the text of a usage file: nothing, or gzip (AWS delivers CUR as `.csv.gz`). Told
 * from the first bytes, never from the name: a `.csv.gz` renamed `.csv` is still read, and a
 * plain CSV named `.gz` too. A gzip file is decompressed as it streams (memory stays bounded).
 * A file in a format TrueUp does not read (Parquet, zip, an Excel workbook, another
 * compression) is refused saying what it is, instead of showing its binary header as a
 * CSV header.
 */
import { Buffer } from 'node:buffer';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** A file TrueUp cannot read, told from its first bytes; the message is the file error. */
export class ContainerError extends Error {}

const READS = 'TrueUp reads CSV, NDJSON or gzip-compressed CSV/NDJSON';

/** Signatures of files that are not text, with what to tell the user. Longest signature: 8 bytes. */
const UNSUPPORTED: readonly { readonly magic: readonly number[]; readonly message: string }[] = [
  {
    magic: [0x50, 0x41, 0x52, 0x31],
    message: `the file is a Parquet file: ${READS} (export CUR 2.0 as CSV with gzip compression)`,
  },
  {
    magic: [0x50, 0x4b, 0x03, 0x04],
    message: `the file is a zip archive (or an Excel .xlsx workbook): ${READS}; unzip it, or save the sheet as CSV`,
  },
  {
    magic: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    message: `the file is an Excel .xls workbook: ${READS}; save the sheet as CSV`,
  },
  {
    magic: [0x42, 0x5a, 0x68],
    message: `the file is compressed with bzip2: ${READS}; compress it with gzip or not at all`,
  },
  {
    magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
    message: `the file is compressed with xz: ${READS}; compress it with gzip or not at all`,
  },
  {
    magic: [0x28, 0xb5, 0x2f, 0xfd],
    message: `the file is compressed with zstd: ${READS}; compress it with gzip or not at all`,
  },
  { magic: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], message: `the file is a 7-Zip archive: ${READS}; extract it first` },
];
const SNIFF_BYTES = 8;
const GZIP = [0x1f, 0x8b];

const startsWith = (head: Uint8Array, magic: readonly number[]): boolean =>
  head.length >= magic.length && magic.every((byte, i) => head[i] === byte);

/**
 * The text bytes of a file given its raw chunks: the chunks themselves, or their gzip
 * decompression. Throws ContainerError for an unreadable format or a damaged gzip stream.
 * `raw` is read with next() only and never closed, so the caller can read the rest of it
 * after an error (to hash the whole file).
 */
export async function* unpack(raw: AsyncIterator<Uint8Array>): AsyncIterable<Uint8Array> {
  let head: Uint8Array = new Uint8Array(0);
  let ended = false;
  while (head.length < SNIFF_BYTES) {
    const next = await raw.next();
    if (next.done) {
      ended = true;
      break;
    }
    head = head.length === 0 ? next.value : Buffer.concat([head, next.value]);
  }
  const unsupported = UNSUPPORTED.find(({ magic }) => startsWith(head, magic));
  if (unsupported) throw new ContainerError(unsupported.message);
  if (!startsWith(head, GZIP)) {
    if (head.length > 0) yield head;
    if (!ended) for (let next = await raw.next(); !next.done; next = await raw.next()) yield next.value;
    return;
  }
  yield* gunzip(head, ended ? undefined : raw);
}

async function* gunzip(head: Uint8Array, rest: AsyncIterator<Uint8Array> | undefined): AsyncIterable<Uint8Array> {
  async function* compressed(): AsyncIterable<Uint8Array> {
    yield head;
    if (rest) for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  }
  const output = createGunzip();
  // pipeline, not pipe: an error of the source (a failing S3 read) then fails the output too.
  pipeline(Readable.from(compressed(), { objectMode: false }), output, () => undefined);
  try {
    for await (const chunk of output) yield chunk as Buffer;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code !== 'string' || !code.startsWith('Z_')) throw error;
    throw new ContainerError(
      `the file starts like a gzip file but cannot be decompressed (${(error as Error).message}): it is damaged or cut short`,
    );
  }
}

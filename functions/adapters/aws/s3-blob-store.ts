/** BlobStore on one S3 bucket. */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../../app/ports.js';

/**
 * Bodies larger than this go up as a multipart upload of parts this size (S3's minimum part
 * is 5 MiB). S3 itself takes one PUT up to 5 GB, but the embedded stand-in refuses a request
 * body over 11 MiB, so a big usage file could not reach its inbox; and a failed part is cheaper
 * to retry than a whole body. The SDK's own commands are enough: a body in memory is cut in
 * parts, and a stream (putObjectStream) is gathered into parts as it is read.
 */
export const MULTIPART_BYTES = 8 * 1024 * 1024;

/**
 * Objects larger than this are copied by streaming them through (GET, then a multipart PUT)
 * instead of CopyObject: S3's CopyObject stops at 5 GB, and the embedded stand-in fails one
 * over 2 GiB (it hashes the body in one call).
 */
export const SERVER_COPY_BYTES = 2 ** 31 - 1;

/** What one object write needs: the SDK's PutObject input fields that TrueUp uses. */
export interface ObjectWrite {
  readonly Bucket: string;
  readonly Key: string;
  readonly Body: Uint8Array | string;
  readonly ContentType?: string;
  readonly Metadata?: Record<string, string>;
}

/** One object write: a PutObject, or a multipart upload for a body over MULTIPART_BYTES. */
export async function putObject(s3: S3Client, { Body, ...rest }: ObjectWrite): Promise<void> {
  // A string's UTF-8 size is at most 3 bytes per UTF-16 unit: only a long one is encoded to measure it.
  const bytes = typeof Body === 'string' && Body.length > MULTIPART_BYTES / 3 ? Buffer.from(Body) : Body;
  if (typeof bytes !== 'string' && bytes.length > MULTIPART_BYTES) return putInParts(s3, rest, bytes);
  await s3.send(new PutObjectCommand({ ...rest, Body: bytes }));
}

/**
 * One object write from a stream of chunks (a local file of any size: `readFile` stops at
 * 2 GiB): a PutObject when it all fits in MULTIPART_BYTES, else a multipart upload of parts of
 * that size. At most two parts are held in memory, whatever the length.
 */
export async function putObjectStream(
  s3: S3Client,
  head: Omit<ObjectWrite, 'Body'>,
  chunks: AsyncIterable<Uint8Array>,
): Promise<void> {
  const parts = partsOf(chunks)[Symbol.asyncIterator]();
  const first = await parts.next();
  const second = first.done ? first : await parts.next();
  if (second.done) {
    await s3.send(new PutObjectCommand({ ...head, Body: first.done ? new Uint8Array() : first.value }));
    return;
  }
  async function* all(): AsyncIterable<Uint8Array> {
    yield first.value as Uint8Array;
    yield second.value as Uint8Array;
    for (let next = await parts.next(); !next.done; next = await parts.next()) yield next.value;
  }
  await putInParts(s3, head, all());
}

/** The chunks regrouped into parts of exactly MULTIPART_BYTES, the last one shorter. */
async function* partsOf(chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  let part = Buffer.allocUnsafe(MULTIPART_BYTES);
  let used = 0;
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.length;) {
      const n = Math.min(chunk.length - at, MULTIPART_BYTES - used);
      part.set(chunk.subarray(at, at + n), used);
      used += n;
      at += n;
      if (used === MULTIPART_BYTES) {
        yield part;
        part = Buffer.allocUnsafe(MULTIPART_BYTES);
        used = 0;
      }
    }
  }
  if (used > 0) yield part.subarray(0, used);
}

async function* slices(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.length; at += MULTIPART_BYTES) yield bytes.subarray(at, at + MULTIPART_BYTES);
}

/**
 * One multipart upload, aborted if a part (or reading the source) fails, so no unfinished
 * upload keeps storage.
 */
async function putInParts(
  s3: S3Client,
  head: Omit<ObjectWrite, 'Body'>,
  source: Uint8Array | AsyncIterable<Uint8Array>,
): Promise<void> {
  const target = { Bucket: head.Bucket, Key: head.Key };
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand(head));
  try {
    const parts: { ETag: string | undefined; PartNumber: number }[] = [];
    for await (const Body of source instanceof Uint8Array ? slices(source) : source) {
      const PartNumber = parts.length + 1;
      const { ETag } = await s3.send(new UploadPartCommand({ ...target, UploadId, PartNumber, Body }));
      parts.push({ ETag, PartNumber });
    }
    await s3.send(new CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    await s3.send(new AbortMultipartUploadCommand({ ...target, UploadId })).catch(() => undefined);
    throw error;
  }
}

export class S3BlobStore implements BlobStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  put(key: string, body: Uint8Array | string, contentType?: string): Promise<void> {
    return putObject(this.s3, { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType });
  }

  putStream(key: string, chunks: AsyncIterable<Uint8Array>, contentType?: string): Promise<void> {
    return putObjectStream(this.s3, { Bucket: this.bucket, Key: key, ContentType: contentType }, chunks);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async stream(key: string): Promise<AsyncIterable<Uint8Array>> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!out.Body) return (async function* empty() {})();
    return out.Body as Readable;
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of out.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async copy(fromKey: string, toKey: string, bytes?: number): Promise<void> {
    if (bytes !== undefined && bytes > SERVER_COPY_BYTES) return this.copyThrough(fromKey, toKey);
    await this.s3.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: toKey,
        CopySource: `${this.bucket}/${encodeURIComponent(fromKey)}`,
      }),
    );
  }

  /** A copy read and written as a stream, keeping the content type and user metadata. */
  private async copyThrough(fromKey: string, toKey: string): Promise<void> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: fromKey }));
    const chunks = (out.Body ?? (async function* empty() {})()) as AsyncIterable<Uint8Array>;
    await putObjectStream(
      this.s3,
      { Bucket: this.bucket, Key: toKey, ContentType: out.ContentType, Metadata: out.Metadata },
      chunks,
    );
  }

  async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}

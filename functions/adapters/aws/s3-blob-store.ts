/** BlobStore on one S3 bucket. */
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, UploadPartCommand, type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../../app/ports.js';

/**
 * Bodies larger than this go up as a multipart upload of parts this size (S3's minimum part
 * is 5 MiB). S3 itself takes one PUT up to 5 GB, but the embedded stand-in refuses a request
 * body over 11 MiB, so a big usage file could not reach its inbox; and a failed part is cheaper
 * to retry than a whole body. The bodies here are already in memory, so the SDK's own
 * commands are enough (lib-storage's Upload is for streams of unknown length).
 */
export const MULTIPART_BYTES = 8 * 1024 * 1024;

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

/** One multipart upload, aborted if a part fails (so no unfinished upload keeps storage). */
async function putInParts(s3: S3Client, head: Omit<ObjectWrite, 'Body'>, bytes: Uint8Array): Promise<void> {
  const target = { Bucket: head.Bucket, Key: head.Key };
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand(head));
  try {
    const parts: { ETag: string | undefined; PartNumber: number }[] = [];
    for (let at = 0; at < bytes.length; at += MULTIPART_BYTES) {
      const PartNumber = parts.length + 1;
      const { ETag } = await s3.send(new UploadPartCommand({ ...target, UploadId, PartNumber, Body: bytes.subarray(at, at + MULTIPART_BYTES) }));
      parts.push({ ETag, PartNumber });
    }
    await s3.send(new CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    await s3.send(new AbortMultipartUploadCommand({ ...target, UploadId })).catch(() => undefined);
    throw error;
  }
}

export class S3BlobStore implements BlobStore {
  constructor(private readonly s3: S3Client, readonly bucket: string) {}

  put(key: string, body: Uint8Array | string, contentType?: string): Promise<void> {
    return putObject(this.s3, { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType });
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
      const out = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const object of out.Contents ?? []) if (object.Key) keys.push(object.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    await this.s3.send(new CopyObjectCommand({ Bucket: this.bucket, Key: toKey, CopySource: `${this.bucket}/${encodeURIComponent(fromKey)}` }));
  }

  async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}

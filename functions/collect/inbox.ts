/**
 * Lands a fetched file in the usage bucket's inbox with its provenance as S3 user metadata
 * (`x-amz-meta-trueup-*`), where the S3 event starts the normal ingest (docs/contract.md §3).
 */
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { putObject } from '../adapters/aws/s3-blob-store.js';

export interface Provenance {
  readonly source: string;
  readonly remoteName: string;
  readonly fetchedAt: string;
  readonly remoteEtag?: string;
  readonly sha256: string;
}

export interface Inbox {
  put(key: string, body: Uint8Array, provenance: Provenance, contentType?: string): Promise<void>;
}

/** S3 metadata values are sent as HTTP headers: ASCII only, so names are URI-encoded. */
export function provenanceMetadata(p: Provenance): Record<string, string> {
  return {
    'trueup-source': p.source,
    'trueup-remote-name': encodeURIComponent(p.remoteName),
    'trueup-fetched-at': p.fetchedAt,
    'trueup-sha256': p.sha256,
    ...(p.remoteEtag ? { 'trueup-remote-etag': encodeURIComponent(p.remoteEtag) } : {}),
  };
}

export function readProvenance(metadata: Record<string, string> | undefined): Partial<Provenance> {
  const m = metadata ?? {};
  const dec = (v: string | undefined): string | undefined => (v === undefined ? undefined : decodeURIComponent(v));
  return {
    source: m['trueup-source'],
    remoteName: dec(m['trueup-remote-name']),
    fetchedAt: m['trueup-fetched-at'],
    remoteEtag: dec(m['trueup-remote-etag']),
    sha256: m['trueup-sha256'],
  };
}

export class S3Inbox implements Inbox {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async put(key: string, body: Uint8Array, provenance: Provenance, contentType = 'text/csv'): Promise<void> {
    await putObject(this.s3, {
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentType: contentType,
      Metadata: provenanceMetadata(provenance),
    });
  }

  async provenance(key: string): Promise<Partial<Provenance>> {
    const out = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
    return readProvenance(out.Metadata);
  }
}

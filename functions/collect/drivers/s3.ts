/**
 * `s3`: copy new objects under a prefix of another bucket (a vendor's export bucket, a CUR
 * bucket). An object's identity is its key: each key is copied once. Without a credential the
 * collector's own role is used (the bucket policy must grant it s3:ListBucket and s3:GetObject).
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { describeRef, jsonSecret } from '../credentials.js';
import { CredentialError, PermanentSourceError, SourceError } from '../errors.js';
import type { Driver, DriverContext, RemoteFile } from './driver.js';

type Ctx = DriverContext<'s3'>;

const S3Secret = z.object({
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
  sessionToken: z.string().optional(),
});
const S3_SHAPE = '{"accessKeyId": "…", "secretAccessKey": "…"}';

async function client(ctx: Ctx): Promise<S3Client> {
  const source = ctx.source;
  const config: S3ClientConfig = {
    region: source.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(source.endpoint ? { endpoint: source.endpoint, forcePathStyle: true } : {}),
  };
  if (source.credential) config.credentials = jsonSecret(await ctx.secret(), S3Secret, source.credential, S3_SHAPE);
  return ctx.s3Client(config);
}

function classify(ctx: Ctx, what: string, error: unknown): Error {
  const name = (error as { name?: string }).name ?? 'Error';
  const message = `${what} s3://${ctx.source.bucket}/${ctx.source.prefix ?? ''} failed (${name})`;
  if (
    [
      'AccessDenied',
      'InvalidAccessKeyId',
      'SignatureDoesNotMatch',
      'ExpiredToken',
      'InvalidToken',
      'Forbidden',
      'CredentialsProviderError',
    ].includes(name)
  ) {
    return new CredentialError(
      `${message}: check ${ctx.source.credential ? describeRef(ctx.source.credential) : "the collector role's access to the bucket"}`,
    );
  }
  if (name === 'NoSuchBucket') return new PermanentSourceError(message);
  return new SourceError(message);
}

async function* keys(ctx: Ctx, s3: S3Client): AsyncGenerator<{ key: string; etag?: string }> {
  let token: string | undefined;
  do {
    let out;
    try {
      out = await s3.send(
        new ListObjectsV2Command({ Bucket: ctx.source.bucket, Prefix: ctx.source.prefix, ContinuationToken: token }),
      );
    } catch (error) {
      throw classify(ctx, 'listing', error);
    }
    for (const object of out.Contents ?? [])
      if (object.Key && !object.Key.endsWith('/')) yield { key: object.Key, etag: object.ETag };
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
}

export const s3Driver: Driver<'s3'> = {
  async test(ctx) {
    const s3 = await client(ctx);
    try {
      let n = 0;
      for await (const _ of keys(ctx, s3)) n += 1;
      return `listed s3://${ctx.source.bucket}/${ctx.source.prefix ?? ''}: ${n} object(s)`;
    } finally {
      s3.destroy();
    }
  },

  async *list(ctx): AsyncGenerator<RemoteFile> {
    const s3 = await client(ctx);
    const prefix = ctx.source.prefix ?? '';
    try {
      for await (const { key, etag } of keys(ctx, s3)) {
        const relative = key.startsWith(prefix) ? key.slice(prefix.length).replace(/^\/+/, '') : key;
        yield {
          remoteId: key,
          remoteName: `s3://${ctx.source.bucket}/${key}`,
          fileName: relative || key,
          remoteEtag: etag,
          fetch: async () => {
            try {
              const out = await s3.send(new GetObjectCommand({ Bucket: ctx.source.bucket, Key: key }));
              return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
            } catch (error) {
              throw classify(ctx, `reading ${key} from`, error);
            }
          },
        };
      }
    } finally {
      s3.destroy();
    }
  },
};

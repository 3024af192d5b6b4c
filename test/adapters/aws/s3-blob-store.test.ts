/**
 * S3BlobStore on the embedded stand-in: a body over MULTIPART_BYTES goes up as a multipart
 * upload (the stand-in, like an HTTP front end, refuses a single request body over 11 MiB),
 * reads back byte for byte, and a failed part aborts the upload and leaves no object. A
 * stream (a local file of any size) goes up the same way, holding at most a few parts.
 */
import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MULTIPART_BYTES,
  putObjectStream,
  S3BlobStore,
  SERVER_COPY_BYTES,
} from '../../../functions/adapters/aws/s3-blob-store.js';
import { S3Inbox } from '../../../functions/collect/inbox.js';
import { startLocalRuntime, type LocalRuntime } from '../../../functions/local-runner/local-runtime.js';

let runtime: LocalRuntime;
/** S3 commands sent, by name, and a hook that can make one fail. */
const sent: string[] = [];
let failOn: ((command: string, input: Record<string, unknown>) => boolean) | undefined;

beforeAll(async () => {
  runtime = await startLocalRuntime();
  runtime.clients.s3.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName);
      sent.push(command);
      if (failOn?.(command, args.input as Record<string, unknown>)) throw new Error(`${command} failed (test)`);
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

const store = (): S3BlobStore => new S3BlobStore(runtime.clients.s3, (runtime.deps.usage as S3BlobStore).bucket);
const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
/** Bytes that differ from part to part, so a part out of place would show. */
function body(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + (i >>> 13)) & 0xff;
  return bytes;
}

describe('S3BlobStore.put', () => {
  it('sends a body over the limit in parts, which read back byte for byte', async () => {
    const bytes = body(2 * MULTIPART_BYTES + 12_345);
    sent.length = 0;
    await store().put('inbox/big.csv', bytes, 'text/csv');
    expect(sent).toEqual([
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
    ]);
    const back = await store().get('inbox/big.csv');
    expect(back?.length).toBe(bytes.length);
    expect(sha(back ?? new Uint8Array())).toBe(sha(bytes));
  });

  it('sends a body up to the limit, and a long string, as they are', async () => {
    sent.length = 0;
    await store().put('inbox/edge.csv', body(MULTIPART_BYTES));
    await store().put('inbox/text.csv', 'é'.repeat(1000));
    expect(sent).toEqual(['PutObjectCommand', 'PutObjectCommand']);
    expect(new TextDecoder().decode(await store().get('inbox/text.csv'))).toBe('é'.repeat(1000));
  });

  it('aborts the upload when a part fails, leaving no object', async () => {
    sent.length = 0;
    failOn = (command, input) => command === 'UploadPartCommand' && input.PartNumber === 2;
    try {
      await expect(store().put('inbox/broken.csv', body(MULTIPART_BYTES + 1))).rejects.toThrow(
        /UploadPartCommand failed/,
      );
    } finally {
      failOn = undefined;
    }
    expect(sent).toContain('AbortMultipartUploadCommand');
    expect(sent).not.toContain('CompleteMultipartUploadCommand');
    expect(await store().get('inbox/broken.csv')).toBeUndefined();
  });

  it('keeps the provenance of a pulled file that goes up in parts (the collector inbox)', async () => {
    const inbox = new S3Inbox(runtime.clients.s3, (runtime.deps.usage as S3BlobStore).bucket);
    const bytes = body(MULTIPART_BYTES + 1);
    const provenance = {
      source: 'aws-exports',
      remoteName: 'cur2/big file.csv',
      fetchedAt: '2026-01-02T05:00:00Z',
      sha256: sha(bytes),
    };
    sent.length = 0;
    await inbox.put('inbox/aws-exports/big.csv', bytes, provenance);
    expect(sent.slice(0, 2)).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand']);
    expect(await inbox.provenance('inbox/aws-exports/big.csv')).toMatchObject(provenance);
    expect(sha((await store().get('inbox/aws-exports/big.csv')) ?? new Uint8Array())).toBe(sha(bytes));
  });
});

/** `bytes` as a stream of chunks of uneven sizes, as a file or a network read gives them. */
async function* unevenChunks(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = [1, 65_536, 1_000_003, 7][i % 4] as number;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

describe('S3BlobStore.putStream', () => {
  it('sends a stream over the limit in parts, which read back byte for byte', async () => {
    const bytes = body(2 * MULTIPART_BYTES + 12_345);
    sent.length = 0;
    await store().putStream('inbox/streamed.csv', unevenChunks(bytes), 'text/csv');
    expect(sent).toEqual([
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
    ]);
    expect(sha((await store().get('inbox/streamed.csv')) ?? new Uint8Array())).toBe(sha(bytes));
  });

  it('sends a stream up to the limit, and an empty one, as one PutObject', async () => {
    sent.length = 0;
    await store().putStream('inbox/edge-stream.csv', unevenChunks(body(MULTIPART_BYTES)));
    await store().putStream('inbox/empty-stream.csv', unevenChunks(new Uint8Array()));
    expect(sent).toEqual(['PutObjectCommand', 'PutObjectCommand']);
    expect(sha((await store().get('inbox/edge-stream.csv')) ?? new Uint8Array())).toBe(sha(body(MULTIPART_BYTES)));
    expect(await store().get('inbox/empty-stream.csv')).toEqual(new Uint8Array());
  });

  it('aborts the upload when reading the source fails, leaving no object', async () => {
    async function* failing(): AsyncIterable<Uint8Array> {
      yield body(MULTIPART_BYTES + 5);
      yield body(MULTIPART_BYTES);
      throw new Error('disk read failed (test)');
    }
    sent.length = 0;
    await expect(store().putStream('inbox/unreadable.csv', failing())).rejects.toThrow(/disk read failed/);
    expect(sent).toContain('AbortMultipartUploadCommand');
    expect(await store().get('inbox/unreadable.csv')).toBeUndefined();
  });
});

describe('putObjectStream keeps memory bounded', () => {
  it('holds at most three parts of a 320 MB stream at any time', async () => {
    // Prepare: a generated stream (one reused chunk) and an S3 client that only counts
    const chunk = body(1024 * 1024);
    const total = 320 * chunk.length;
    let read = 0;
    let sentBytes = 0;
    let ahead = 0;
    async function* generated(): AsyncIterable<Uint8Array> {
      for (let i = 0; i < 320; i++) {
        read += chunk.length;
        ahead = Math.max(ahead, read - sentBytes);
        yield chunk;
      }
    }
    const partSizes: number[] = [];
    const s3 = {
      send: async (command: {
        constructor: { name: string };
        input: { Body?: Uint8Array };
      }): Promise<Record<string, string>> => {
        if (command.constructor.name === 'UploadPartCommand') {
          partSizes.push(command.input.Body?.length ?? 0);
          sentBytes += command.input.Body?.length ?? 0;
        }
        return command.constructor.name === 'CreateMultipartUploadCommand'
          ? { UploadId: 'u1' }
          : { ETag: `"e${partSizes.length}"` };
      },
    } as unknown as S3Client;
    // Act
    await putObjectStream(s3, { Bucket: 'b', Key: 'inbox/generated.csv' }, generated());
    // Assess: every byte sent, in parts of the limit, never more than three parts read ahead
    expect(sentBytes).toBe(total);
    expect(partSizes.every((size) => size === MULTIPART_BYTES)).toBe(true);
    expect(ahead).toBeLessThanOrEqual(3 * MULTIPART_BYTES);
  });
});

describe('S3BlobStore.copy of a very large object', () => {
  it('streams an object over SERVER_COPY_BYTES through (GET, then PUT) instead of CopyObject, keeping its type and metadata', async () => {
    // Prepare: an S3 client that records commands and serves a small body
    const commands: { name: string; input: Record<string, unknown> }[] = [];
    const s3 = {
      send: async (command: {
        constructor: { name: string };
        input: Record<string, unknown>;
      }): Promise<Record<string, unknown>> => {
        commands.push({ name: command.constructor.name, input: command.input });
        if (command.constructor.name !== 'GetObjectCommand') return {};
        return {
          Body: (async function* chunks() {
            yield new Uint8Array([1, 2]);
            yield new Uint8Array([3]);
          })(),
          ContentType: 'text/csv',
          Metadata: { 'trueup-source': 'aws' },
        };
      },
    } as unknown as S3Client;
    const big = new S3BlobStore(s3, 'usage');
    // Act
    await big.copy('inbox/huge.csv', 'archive/abc', SERVER_COPY_BYTES + 1);
    await big.copy('inbox/small.csv', 'archive/def', SERVER_COPY_BYTES);
    // Assess
    expect(commands.map((c) => c.name)).toEqual(['GetObjectCommand', 'PutObjectCommand', 'CopyObjectCommand']);
    expect(commands[1]?.input).toEqual({
      Bucket: 'usage',
      Key: 'archive/abc',
      ContentType: 'text/csv',
      Metadata: { 'trueup-source': 'aws' },
      Body: expect.anything(),
    });
    expect([...(commands[1]?.input.Body as Uint8Array)]).toEqual([1, 2, 3]);
  });
});

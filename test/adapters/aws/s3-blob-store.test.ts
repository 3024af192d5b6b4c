/**
 * S3BlobStore on the embedded stand-in: a body over MULTIPART_BYTES goes up as a multipart
 * upload (the stand-in, like an HTTP front end, refuses a single request body over 11 MiB),
 * reads back byte for byte, and a failed part aborts the upload and leaves no object.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MULTIPART_BYTES, S3BlobStore } from '../../../functions/adapters/aws/s3-blob-store.js';
import { S3Inbox } from '../../../functions/collect/inbox.js';
import { startLocalRuntime, type LocalRuntime } from '../../../functions/local/local-runtime.js';

let runtime: LocalRuntime;
/** S3 commands sent, by name, and a hook that can make one fail. */
const sent: string[] = [];
let failOn: ((command: string, input: Record<string, unknown>) => boolean) | undefined;

beforeAll(async () => {
  runtime = await startLocalRuntime();
  runtime.clients.s3.middlewareStack.add((next, context) => async (args) => {
    const command = String(context.commandName);
    sent.push(command);
    if (failOn?.(command, args.input as Record<string, unknown>)) throw new Error(`${command} failed (test)`);
    return next(args);
  }, { step: 'initialize', name: 'recordCommands' });
}, 60_000);
afterAll(async () => { await runtime?.stop(); });

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
    expect(sent).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand', 'UploadPartCommand', 'UploadPartCommand', 'CompleteMultipartUploadCommand']);
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
      await expect(store().put('inbox/broken.csv', body(MULTIPART_BYTES + 1))).rejects.toThrow(/UploadPartCommand failed/);
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
    const provenance = { source: 'aws-exports', remoteName: 'cur2/big file.csv', fetchedAt: '2026-01-02T05:00:00Z', sha256: sha(bytes) };
    sent.length = 0;
    await inbox.put('inbox/aws-exports/big.csv', bytes, provenance);
    expect(sent.slice(0, 2)).toEqual(['CreateMultipartUploadCommand', 'UploadPartCommand']);
    expect(await inbox.provenance('inbox/aws-exports/big.csv')).toMatchObject(provenance);
    expect(sha(await store().get('inbox/aws-exports/big.csv') ?? new Uint8Array())).toBe(sha(bytes));
  });
});

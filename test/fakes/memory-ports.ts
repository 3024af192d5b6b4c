/**
 * In-memory BlobStore, Queue and Mailer, and `memoryDeps` wiring them with MemoryLedger into
 * the `Deps` every use case takes: use-case tests without DynamoDB Local, S3 or SQS.
 */
import type { ZodType } from 'zod';
import { silentLogger, type Deps } from '../../functions/app/deps.js';
import type { DiscrepancyMessage, WorkMessage } from '../../functions/app/messages.js';
import type { BlobStore, Mailer, Queue } from '../../functions/app/ports.js';
import { MemoryLedger } from './memory-ledger.js';
import { openBufferedPartWriter } from '../../functions/adapters/aws/buffered-part-writer.js';

/** A bucket: keys listed in order, bodies copied in and out. */
export class MemoryBlobStore implements BlobStore {
  readonly objects = new Map<string, { body: Uint8Array; contentType?: string }>();

  async put(key: string, body: Uint8Array | string, contentType?: string): Promise<void> {
    this.objects.set(key, {
      body: typeof body === 'string' ? new TextEncoder().encode(body) : body.slice(),
      ...(contentType ? { contentType } : {}),
    });
  }

  async putStream(key: string, chunks: AsyncIterable<Uint8Array>, contentType?: string): Promise<void> {
    const parts: Uint8Array[] = [];
    for await (const chunk of chunks) parts.push(chunk);
    await this.put(key, Buffer.concat(parts), contentType);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.objects.get(key)?.body.slice();
  }

  async stream(key: string): Promise<AsyncIterable<Uint8Array>> {
    const body = await this.get(key);
    if (!body) throw Object.assign(new Error(`NoSuchKey: ${key}`), { name: 'NoSuchKey' });
    return (async function* one() {
      yield body;
    })();
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    const object = this.objects.get(fromKey);
    if (!object) throw Object.assign(new Error(`NoSuchKey: ${fromKey}`), { name: 'NoSuchKey' });
    this.objects.set(toKey, { ...object, body: object.body.slice() });
  }

  async delete(key: string): Promise<void> {
    this.objects.delete(key);
  }

  /** The object as text, for assertions. */
  text(key: string): string | undefined {
    const object = this.objects.get(key);
    return object ? new TextDecoder().decode(object.body) : undefined;
  }
}

/** A queue: bodies travel as JSON, as on SQS, and every message sent is kept in order. */
export class MemoryQueue<M> implements Queue<M> {
  readonly sent: { id: string; body: string }[] = [];
  private next = 0;

  async send(messages: readonly { id: string; body: M }[]): Promise<void> {
    for (const { id, body } of messages) this.sent.push({ id, body: JSON.stringify(body) });
  }

  /** Every message sent so far, parsed. */
  bodies(): unknown[] {
    return this.sent.map((m) => JSON.parse(m.body) as unknown);
  }

  /**
   * Hands each message not yet handled to `handle`, parsed with `schema` as the workers do,
   * including those sent while draining; returns how many were handled.
   */
  async drain<T>(schema: ZodType<T>, handle: (message: T) => Promise<void>): Promise<number> {
    let handled = 0;
    for (; this.next < this.sent.length; this.next += 1, handled += 1) {
      await handle(schema.parse(JSON.parse(this.sent[this.next]!.body)));
    }
    return handled;
  }

  /** Makes every message sent so far due again, as SQS redelivers a message (at least once). */
  redeliver(): void {
    this.next = 0;
  }
}

/** A mail service that records what it was asked to send; `fail` makes the next sends throw. */
export class MemoryMailer implements Mailer {
  readonly sent: { from: string; to: readonly string[]; raw: string; messageId: string }[] = [];
  fail: Error | undefined;

  async sendRaw(input: { from: string; to: readonly string[]; raw: Buffer }): Promise<string> {
    if (this.fail) throw this.fail;
    const messageId = `msg-${this.sent.length + 1}`;
    this.sent.push({ from: input.from, to: [...input.to], raw: input.raw.toString('utf8'), messageId });
    return messageId;
  }
}

export interface MemoryDeps extends Deps {
  readonly ledger: MemoryLedger;
  readonly usage: MemoryBlobStore;
  readonly artifacts: MemoryBlobStore;
  readonly workQueue: MemoryQueue<WorkMessage>;
  readonly discrepancyQueue: MemoryQueue<DiscrepancyMessage>;
  readonly mailer: MemoryMailer;
}

/** Every port in memory; `now` (epoch ms) is the ledger's clock for send leases. */
export function memoryDeps(options: { now?: () => number } = {}): MemoryDeps {
  return {
    ledger: new MemoryLedger(options.now),
    usage: new MemoryBlobStore(),
    artifacts: new MemoryBlobStore(),
    workQueue: new MemoryQueue<WorkMessage>(),
    discrepancyQueue: new MemoryQueue<DiscrepancyMessage>(),
    mailer: new MemoryMailer(),
    openPartWriter: openBufferedPartWriter,
    log: silentLogger,
  };
}

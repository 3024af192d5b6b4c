/**
 * The PartWriter over a BlobStore (functions/adapters/aws/buffered-part-writer.ts): parts cut
 * at the part size, in order, one PUT in flight for all the objects of a writer, and a failed
 * PUT thrown by the next part or by settled().
 */
import { describe, expect, it } from 'vitest';
import { BufferedPartWriter } from '../../../functions/adapters/aws/buffered-part-writer.js';
import type { BlobStore } from '../../../functions/app/ports.js';

/** Records each PUT; a PUT completes only when the test releases it. */
class SlowStore implements BlobStore {
  readonly puts: { key: string; body: string; contentType?: string }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  failKey: string | undefined;
  private readonly waiting: (() => void)[] = [];

  async put(key: string, body: Uint8Array | string, contentType?: string): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.puts.push({ key, body: typeof body === 'string' ? body : new TextDecoder().decode(body), contentType });
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight -= 1;
    if (key === this.failKey) throw new Error(`PUT ${key} failed (test)`);
  }

  /** Completes the PUTs started so far, and those they let start, until none is left. */
  async releaseAll(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      this.waiting.splice(0).forEach((resolve) => resolve());
    }
  }

  async putStream(): Promise<void> {
    throw new Error('not used');
  }
  async get(): Promise<Uint8Array | undefined> {
    return undefined;
  }
  async stream(): Promise<AsyncIterable<Uint8Array>> {
    throw new Error('not used');
  }
  async list(): Promise<string[]> {
    return [];
  }
  async copy(): Promise<void> {
    throw new Error('not used');
  }
  async delete(): Promise<void> {
    throw new Error('not used');
  }
}

/** Appends each line, waiting whenever a part was handed over, as the ingest does. */
async function appendAll(
  object: { append(text: string, second?: string): Promise<void> | void },
  lines: readonly (string | [string, string])[],
): Promise<void> {
  for (const line of lines) await (typeof line === 'string' ? object.append(line) : object.append(line[0], line[1]));
}

describe('BufferedPartWriter', () => {
  it('cuts a part once its lines reach the part size, names it by number, and stores the rest at end', async () => {
    const store = new SlowStore();
    const writer = new BufferedPartWriter(store, 10);
    const object = writer.open((n) => `o/${n}.txt`, 'text/plain');
    const done = (async () => {
      await appendAll(object, ['aaaa', 'bbbbbb', 'c', ['vé', 'ref']]);
      await object.end();
      await writer.settled();
    })();
    await store.releaseAll();
    await done;
    expect(store.puts).toEqual([
      { key: 'o/0.txt', body: 'aaaa\nbbbbbb\n', contentType: 'text/plain' },
      { key: 'o/1.txt', body: 'c\nvé\u0000ref\n', contentType: 'text/plain' },
    ]);
    expect(object.parts).toBe(2);
  });

  it('stores nothing for an empty object', async () => {
    const store = new SlowStore();
    const writer = new BufferedPartWriter(store, 10);
    const object = writer.open((n) => `o/${n}`, 'text/plain');
    await object.end();
    await writer.settled();
    expect(store.puts).toEqual([]);
    expect(object.parts).toBe(0);
  });

  it('keeps one PUT in flight across its objects, in the order the parts filled', async () => {
    const store = new SlowStore();
    const writer = new BufferedPartWriter(store, 4);
    const a = writer.open((n) => `a/${n}`, 'text/plain');
    const b = writer.open((n) => `b/${n}`, 'text/plain');
    const done = (async () => {
      for (let i = 0; i < 3; i++) await Promise.all([a.append(`a${i}xx`), b.append(`b${i}yy`)]);
      await writer.settled();
    })();
    await store.releaseAll();
    await done;
    expect(store.maxInFlight).toBe(1);
    expect(store.puts.map((p) => p.key)).toEqual(['a/0', 'b/0', 'a/1', 'b/1', 'a/2', 'b/2']);
  });

  it('throws a failed PUT from the next part handed over, and from settled', async () => {
    const store = new SlowStore();
    store.failKey = 'o/0';
    const writer = new BufferedPartWriter(store, 2);
    const object = writer.open((n) => `o/${n}`, 'text/plain');
    const outcomes = Promise.allSettled([object.append('aa'), object.append('bb'), writer.settled()]);
    await store.releaseAll();
    const [first, second, settled] = await outcomes;
    expect(first).toEqual({ status: 'fulfilled', value: undefined });
    expect(second).toMatchObject({ status: 'rejected', reason: { message: 'PUT o/0 failed (test)' } });
    expect(settled).toMatchObject({ status: 'rejected', reason: { message: 'PUT o/0 failed (test)' } });
    expect(store.puts.map((p) => p.key)).toEqual(['o/0']);
  });
});

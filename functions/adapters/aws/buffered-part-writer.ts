/**
 * The PartWriter port (functions/app/ports.ts) over any BlobStore (S3, the embedded stand-in):
 * lines go straight into UTF-8 bytes, off the JS heap, so a line's string dies young instead of
 * being held, and promoted, until its part is written; a full part is one PUT, one at a time.
 */
import type { BlobStore, OpenPartWriter, PartedObject, PartWriter } from '../../app/ports.js';

/** Room a part buffer keeps beyond the part size, so that it rarely grows near the end. */
const SLACK = 64 * 1024;
const LF = 0x0a;

/** The UTF-8 bytes of the part being filled. */
class PartBuffer {
  private bytes = Buffer.allocUnsafe(0);
  private used = 0;
  /** The capacity to start the next part with: the last part's. */
  private capacity = 0;

  get length(): number {
    return this.used;
  }

  /** Appends `text` (and `\0second` when given) and a line feed; true once the part holds `size` bytes. */
  append(size: number, text: string, second?: string): boolean {
    const needed = this.used + 3 * (text.length + (second === undefined ? 0 : second.length + 1)) + 1;
    if (needed > this.bytes.length) this.grow(needed, size);
    this.used += this.bytes.write(text, this.used);
    if (second !== undefined) {
      this.bytes[this.used++] = 0;
      this.used += this.bytes.write(second, this.used);
    }
    this.bytes[this.used++] = LF;
    return this.used >= size;
  }

  /** The part's bytes, handed over: the next part is filled in a new buffer. */
  take(): Uint8Array {
    const body = this.bytes.subarray(0, this.used);
    this.capacity = this.bytes.length;
    this.bytes = Buffer.allocUnsafe(0);
    this.used = 0;
    return body;
  }

  /** Doubles from 64 KiB (or starts at the last part's capacity), never much past the part size. */
  private grow(needed: number, size: number): void {
    const capacity = Math.max(needed, this.capacity, Math.min(Math.max(2 * this.bytes.length, SLACK), size + SLACK));
    const bytes = Buffer.allocUnsafe(capacity);
    this.bytes.copy(bytes, 0, 0, this.used);
    this.bytes = bytes;
  }
}

export class BufferedPartWriter implements PartWriter {
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: BlobStore,
    private readonly partSize: number,
  ) {}

  open(keyOf: (part: number) => string, contentType: string): PartedObject {
    const buffer = new PartBuffer();
    let parts = 0;
    const handOver = (): Promise<void> => this.write(keyOf(parts++), buffer.take(), contentType);
    return {
      get parts() {
        return parts;
      },
      append: (text, second) => (buffer.append(this.partSize, text, second) ? handOver() : undefined),
      end: async () => {
        if (buffer.length > 0) await handOver();
      },
    };
  }

  settled(): Promise<void> {
    return this.writing;
  }

  /** Starts one PUT once the previous one is done; resolves when it has started (or throws the previous one's failure). */
  private async write(key: string, body: Uint8Array, contentType: string): Promise<void> {
    const previous = this.writing;
    this.writing = previous.then(() => this.store.put(key, body, contentType));
    // A failure is thrown by the next write or by settled; until then it is not unhandled.
    this.writing.catch(() => undefined);
    await previous;
  }
}

export const openBufferedPartWriter: OpenPartWriter = (store, partSize) => new BufferedPartWriter(store, partSize);

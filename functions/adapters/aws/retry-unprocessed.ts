/**
 * The retry of AWS batch calls (SQS SendMessageBatch, DynamoDB BatchWriteItem), which succeed
 * while leaving part of the batch unprocessed: that part is sent again after a growing pause.
 */

export interface RetryUnprocessedOptions<T> {
  /** Sends after the first before giving up. */
  readonly retries: number;
  /** The error thrown when entries are still left after the last retry. */
  readonly exhausted: (left: readonly T[]) => Error;
  /** The pause before retry `attempt` (1, 2, …). @default 50 × 2^attempt ms: 100, 200, 400 … */
  readonly delayMs?: (attempt: number) => number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Calls `send` with `batch`, then with what it returns as unprocessed, until nothing is left. */
export async function retryUnprocessed<T>(
  batch: readonly T[],
  send: (entries: readonly T[]) => Promise<readonly T[]>,
  options: RetryUnprocessedOptions<T>,
): Promise<void> {
  const delayMs = options.delayMs ?? ((attempt: number) => 50 * 2 ** attempt);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));
  let pending = batch;
  for (let attempt = 0; pending.length > 0; attempt += 1) {
    if (attempt > options.retries) throw options.exhausted(pending);
    if (attempt > 0) await sleep(delayMs(attempt));
    pending = await send(pending);
  }
}

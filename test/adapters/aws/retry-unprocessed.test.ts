import { describe, expect, it } from 'vitest';
import { retryUnprocessed } from '../../../functions/adapters/aws/retry-unprocessed.js';

/** A batch call that processes `perCall` entries a call and leaves the rest unprocessed. */
function service(perCall: number): {
  calls: (readonly string[])[];
  send: (entries: readonly string[]) => Promise<readonly string[]>;
} {
  const calls: (readonly string[])[] = [];
  return {
    calls,
    send: async (entries) => {
      calls.push(entries);
      return entries.slice(perCall);
    },
  };
}

describe('retryUnprocessed', () => {
  it('sends only what is left, after 100, 200, 400 … ms', async () => {
    const { calls, send } = service(1);
    const pauses: number[] = [];
    await retryUnprocessed(['a', 'b', 'c'], send, {
      retries: 5,
      exhausted: () => new Error('left'),
      sleep: async (ms) => {
        pauses.push(ms);
      },
    });
    expect(calls).toEqual([['a', 'b', 'c'], ['b', 'c'], ['c']]);
    expect(pauses).toEqual([100, 200]);
  });

  it('sends once and never sleeps when everything is processed, and not at all for an empty batch', async () => {
    const { calls, send } = service(10);
    const pauses: number[] = [];
    const sleep = async (ms: number): Promise<void> => {
      pauses.push(ms);
    };
    await retryUnprocessed(['a', 'b'], send, { retries: 5, exhausted: () => new Error('left'), sleep });
    await retryUnprocessed([], send, { retries: 5, exhausted: () => new Error('left'), sleep });
    expect(calls).toEqual([['a', 'b']]);
    expect(pauses).toEqual([]);
  });

  it('gives up after the retries with the error made from what is left', async () => {
    const { calls, send } = service(0);
    const run = retryUnprocessed(['a', 'b'], send, {
      retries: 2,
      exhausted: (left) => new Error(`${left.length} left`),
      sleep: async () => {},
      delayMs: (attempt) => attempt,
    });
    await expect(run).rejects.toThrow('2 left');
    expect(calls).toHaveLength(3);
  });
});

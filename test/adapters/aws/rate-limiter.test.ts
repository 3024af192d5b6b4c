import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../functions/adapters/aws/rate-limiter.js';
import { RateLimitedMailer } from '../../../functions/adapters/aws/rate-limited-mailer.js';
import type { Mailer } from '../../../functions/app/ports.js';

/** A fake clock: `sleep` advances time instantly, nothing waits on the wall clock. */
function fakeClock(start = 1_000): {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  advance: (ms: number) => void;
  sleeps: number[];
} {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms) => {
      t += ms;
    },
    sleeps,
  };
}

/** The most takes in any half-open window [t, t + windowMs). */
function maxInWindow(times: readonly number[], windowMs = 1000): number {
  let best = 0;
  let j = 0;
  for (let i = 0; i < times.length; i++) {
    while ((times[j] ?? Infinity) < (times[i] ?? 0) - windowMs + 1e-9) j++;
    // times[j..i] lie in (times[i] - windowMs, times[i]]: a window ending just after times[i]
    best = Math.max(best, i - j + 1);
  }
  return best;
}

async function takeMany(bucket: TokenBucket, clock: { now: () => number }, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    await bucket.take();
    times.push(clock.now());
  }
  return times;
}

describe('TokenBucket', () => {
  it('never lets more than the rate through in any 1-second window, and nearly reaches it', async () => {
    for (const rate of [1, 2, 2.5, 14, 50]) {
      const clock = fakeClock();
      const bucket = new TokenBucket({ ratePerSecond: rate, now: clock.now, sleep: clock.sleep });
      const times = await takeMany(bucket, clock, 300);
      // Takes are ≥ 1/rate apart: an integer rate fits exactly `rate` takes in a window, 2.5/s fits 3.
      expect(maxInWindow(times)).toBeLessThanOrEqual(Math.ceil(rate));
      const achieved = (times.length - 1) / ((times.at(-1)! - times[0]!) / 1000);
      expect(achieved).toBeLessThanOrEqual(rate);
      expect(achieved).toBeGreaterThanOrEqual(rate * 0.9);
    }
  });

  it('spaces takes at least 1/rate apart with the default burst of 1', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 14, now: clock.now, sleep: clock.sleep });
    const times = await takeMany(bucket, clock, 50);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1000 / 14);
  });

  it('lets a burst through at once after an idle spell, then holds the rate', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 5, now: clock.now, sleep: clock.sleep });
    const times = await takeMany(bucket, clock, 5);
    expect(new Set(times).size).toBe(1); // five at the same instant
    expect(clock.sleeps).toEqual([]);
    const more = await takeMany(bucket, clock, 10);
    for (let i = 1; i < more.length; i++) expect(more[i]! - more[i - 1]!).toBeGreaterThanOrEqual(100);
  });

  it('does not save up more than the burst while idle', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3, now: clock.now, sleep: clock.sleep });
    clock.advance(60_000);
    expect(bucket.available()).toBe(3);
    const times = await takeMany(bucket, clock, 4);
    expect(times[2]).toBe(times[0]);
    expect(times[3]! - times[2]!).toBeGreaterThanOrEqual(100);
  });

  it('serves concurrent callers first come, first served, each at the rate', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 4, now: clock.now, sleep: clock.sleep });
    const order: number[] = [];
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        bucket.take().then(() => {
          order.push(i);
          times.push(clock.now());
        }),
      ),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(maxInWindow(times)).toBeLessThanOrEqual(4);
  });

  it('counts a multi-token take in full: the debt delays the takes after it', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 2, now: clock.now, sleep: clock.sleep });
    await bucket.take(5); // goes at once (one token there), leaves a debt of 4
    const at = clock.now();
    await bucket.take();
    expect(clock.now() - at).toBeGreaterThanOrEqual(2_500); // 5 tokens at 2 per second
  });

  it('rejects nonsense', async () => {
    expect(() => new TokenBucket({ ratePerSecond: 0 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: 1, burst: 0.5 })).toThrow(RangeError);
    await expect(new TokenBucket({ ratePerSecond: 1 }).take(0)).rejects.toThrow(RangeError);
  });

  it('keeps working after a caller gives up on a failed take', async () => {
    const clock = fakeClock();
    let fail = true;
    const bucket = new TokenBucket({
      ratePerSecond: 10,
      now: clock.now,
      sleep: async (ms) => {
        if (fail) {
          fail = false;
          throw new Error('interrupted');
        }
        await clock.sleep(ms);
      },
    });
    await bucket.take();
    await expect(bucket.take()).rejects.toThrow('interrupted');
    await bucket.take();
  });
});

describe('RateLimitedMailer', () => {
  it('takes one token per recipient before each send and passes the result through', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 14, now: clock.now, sleep: clock.sleep });
    const sent: { at: number; to: readonly string[] }[] = [];
    const inner: Mailer = {
      sendRaw: async ({ to }) => {
        sent.push({ at: clock.now(), to });
        return `id-${sent.length}`;
      },
    };
    const mailer = new RateLimitedMailer(inner, bucket);
    const ids: string[] = [];
    for (let i = 0; i < 40; i++)
      ids.push(await mailer.sendRaw({ from: 'a@x.example', to: ['b@x.example'], raw: Buffer.from('x') }));
    expect(ids[0]).toBe('id-1');
    expect(ids.at(-1)).toBe('id-40');
    expect(maxInWindow(sent.map((s) => s.at))).toBeLessThanOrEqual(14);

    const before = clock.now();
    await mailer.sendRaw({
      from: 'a@x.example',
      to: ['c@x.example', 'd@x.example', 'e@x.example'],
      raw: Buffer.from('x'),
    });
    await mailer.sendRaw({ from: 'a@x.example', to: ['f@x.example'], raw: Buffer.from('x') });
    expect(clock.now() - before).toBeGreaterThanOrEqual((3 * 1000) / 14);
  });

  it('does not send when the limiter fails', async () => {
    let sends = 0;
    const mailer = new RateLimitedMailer(
      {
        sendRaw: async () => {
          sends += 1;
          return 'id';
        },
      },
      {
        take: async () => {
          throw new Error('stop');
        },
      },
    );
    await expect(mailer.sendRaw({ from: 'a@x.example', to: ['b@x.example'], raw: Buffer.from('x') })).rejects.toThrow(
      'stop',
    );
    expect(sends).toBe(0);
  });
});

/**
 * A token bucket: holds at most `burst` tokens, refilled continuously at `ratePerSecond`.
 * `take()` resolves once a token is available and spends it; callers are served first come,
 * first served, so concurrent senders share the rate instead of racing for it.
 *
 * With `burst = 1` (the default) two takes are always at least 1 / ratePerSecond apart, so no
 * 1-second window (half-open, [t, t + 1 s)) ever holds more than ratePerSecond takes (for a
 * whole-number rate, as SES's are; a fractional rate r fits ⌈r⌉). A larger
 * burst lets up to `burst - 1` extra takes through after an idle spell.
 *
 * `take(count)` spends `count` tokens at once (SES counts every recipient of a message against
 * the send rate). Like SES, it goes ahead as soon as min(count, burst) tokens are there and the
 * debt (the bucket goes negative) delays the callers after it; so over time the rate holds,
 * while a single message to c recipients is, like at SES, c sends in one instant.
 *
 * The clock (`now`, milliseconds) and `sleep` are injectable, so tests run on a fake clock.
 */

export interface TokenBucketOptions {
  /** Tokens added per second; must be positive and finite. */
  readonly ratePerSecond: number;
  /** Capacity: how many tokens can pile up while idle. Default 1. */
  readonly burst?: number;
  /** Milliseconds on a monotonic clock. Default `performance.now()`. */
  readonly now?: () => number;
  /** Waits `ms` milliseconds. Default a `setTimeout` promise. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface RateLimiter {
  take(count?: number): Promise<void>;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class TokenBucket implements RateLimiter {
  readonly ratePerSecond: number;
  readonly burst: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private tokens: number;
  private last: number;
  /** The end of the line: each take waits for the one before it. */
  private tail: Promise<void> = Promise.resolve();

  constructor(options: TokenBucketOptions) {
    const { ratePerSecond, burst = 1 } = options;
    if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0)
      throw new RangeError(`ratePerSecond must be a positive number, not ${ratePerSecond}`);
    if (!Number.isFinite(burst) || burst < 1) throw new RangeError(`burst must be a number ≥ 1, not ${burst}`);
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.now = options.now ?? ((): number => performance.now());
    this.sleep = options.sleep ?? realSleep;
    this.tokens = burst;
    this.last = this.now();
  }

  /** Resolves when `count` tokens (default 1) have been spent for the caller. */
  take(count = 1): Promise<void> {
    if (!Number.isFinite(count) || count < 1)
      return Promise.reject(new RangeError(`count must be a number ≥ 1, not ${count}`));
    const turn = this.tail.then(() => this.acquire(count));
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  /** Tokens in the bucket right now (negative while a multi-token take is being paid off). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  private async acquire(count: number): Promise<void> {
    const needed = Math.min(count, this.burst);
    for (;;) {
      this.refill();
      if (this.tokens >= needed) {
        this.tokens -= count;
        return;
      }
      const waitMs = ((needed - this.tokens) / this.ratePerSecond) * 1000;
      await this.sleep(Math.max(1, Math.ceil(waitMs)));
    }
  }

  private refill(): void {
    const t = this.now();
    const elapsed = Math.max(0, t - this.last);
    this.last = Math.max(this.last, t);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.ratePerSecond) / 1000);
  }
}

/**
 * A Mailer that holds sending under a rate (SES's maximum send rate) with a token bucket.
 * SES counts recipients, not messages, so a message to n addresses takes n tokens.
 *
 * One bucket limits one process. On AWS every concurrent worker has its own bucket, so the
 * per-worker rate must be the account rate divided by the worker concurrency (see
 * docs/scale.md, "SES send rate").
 */
import type { Mailer } from '../../app/ports.js';
import type { RateLimiter } from './rate-limiter.js';

export class RateLimitedMailer implements Mailer {
  constructor(
    private readonly inner: Mailer,
    private readonly limiter: RateLimiter,
  ) {}

  async sendRaw(input: { from: string; to: readonly string[]; raw: Buffer }): Promise<string> {
    await this.limiter.take(Math.max(1, input.to.length));
    return this.inner.sendRaw(input);
  }
}

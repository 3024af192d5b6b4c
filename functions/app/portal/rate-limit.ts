/**
 * The portal's rate limit (docs/portal.md): a fixed-window counter per key (the link's token,
 * the caller's IP), kept in memory by each process.
 *
 * Why this is enough: the portal has no password to guess, and a token is 128 bits of HMAC, so
 * the limit is there to keep one link or one address from hammering the ledger, not to stop
 * guessing. Per process means a Lambda's concurrent instances each count on their own (on AWS
 * the API's throttling sits in front of them); locally there is one process. Memory is bounded:
 * past MAX_KEYS keys, windows that ended are dropped, and if none has, the oldest are.
 */

export interface RateLimitRule {
  /** Requests allowed per window. */
  readonly limit: number;
  readonly windowMs: number;
}

export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/** Defaults: a client clicking around never meets them; a loop does within a minute. */
export const PORTAL_RATE_LIMITS = {
  perToken: { limit: 60, windowMs: 60_000 },
  perIp: { limit: 120, windowMs: 60_000 },
} as const satisfies Record<string, RateLimitRule>;

const MAX_KEYS = 10_000;

export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly rule: RateLimitRule) {}

  /** Counts one request for `key` at `nowMs`; refused once the window's limit is spent. */
  hit(key: string, nowMs: number): RateDecision {
    let window = this.windows.get(key);
    if (!window || nowMs >= window.start + this.rule.windowMs) {
      if (!window && this.windows.size >= MAX_KEYS) this.prune(nowMs);
      window = { start: nowMs, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    if (window.count <= this.rule.limit) return { allowed: true };
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil((window.start + this.rule.windowMs - nowMs) / 1000)),
    };
  }

  private prune(nowMs: number): void {
    for (const [key, window] of this.windows) if (nowMs >= window.start + this.rule.windowMs) this.windows.delete(key);
    // Still full: every window is live; drop the oldest tenth (a Map keeps insertion order).
    if (this.windows.size >= MAX_KEYS) {
      let drop = Math.ceil(MAX_KEYS / 10);
      for (const key of this.windows.keys()) {
        if (drop-- <= 0) break;
        this.windows.delete(key);
      }
    }
  }
}

/** The portal's two limits together: a request passes only if both let it. */
export class PortalRateLimiter {
  private readonly perToken: FixedWindowLimiter;
  private readonly perIp: FixedWindowLimiter;

  constructor(rules: { perToken: RateLimitRule; perIp: RateLimitRule } = PORTAL_RATE_LIMITS) {
    this.perToken = new FixedWindowLimiter(rules.perToken);
    this.perIp = new FixedWindowLimiter(rules.perIp);
  }

  hit(request: { token: string | undefined; sourceIp: string | undefined }, nowMs: number): RateDecision {
    const decisions = [
      ...(request.sourceIp ? [this.perIp.hit(request.sourceIp, nowMs)] : []),
      ...(request.token ? [this.perToken.hit(request.token, nowMs)] : []),
    ];
    const refused = decisions.filter((d) => !d.allowed);
    if (refused.length === 0) return { allowed: true };
    return { allowed: false, retryAfterSeconds: Math.max(...refused.map((d) => d.retryAfterSeconds)) };
  }
}

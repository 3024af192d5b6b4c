/**
 * SES limiter benchmark (child of bench/all.ts): four concurrent senders push one-recipient
 * messages as fast as they can through `RateLimitedMailer` + `TokenBucket` (the wiring
 * aws-deps.ts uses) into a fake mailer that records when each send happened, for
 * 10 s (BENCH_SCALE shortens it, to no less than 2 s). Reports the achieved rate and the most
 * sends seen in any 1-second window [t, t + 1 s).
 */
import { RateLimitedMailer } from '../functions/adapters/aws/rate-limited-mailer.js';
import type { Mailer } from '../functions/app/ports.js';
import { TokenBucket } from '../functions/adapters/aws/rate-limiter.js';
import { benchScale, line } from './common.js';

const RATE = Number(process.env.SES_MAX_SEND_RATE ?? 14);
const DURATION_MS = Math.max(2_000, Math.round(10_000 * benchScale()));
const SENDERS = 4;

const sentAt: number[] = [];
const fake: Mailer = {
  sendRaw: async () => {
    sentAt.push(performance.now());
    return `fake-${sentAt.length}`;
  },
};
const mailer = new RateLimitedMailer(fake, new TokenBucket({ ratePerSecond: RATE }));

const start = performance.now();
const end = start + DURATION_MS;
await Promise.all(
  Array.from({ length: SENDERS }, async (_, s) => {
    for (let i = 0; performance.now() < end; i++) {
      await mailer.sendRaw({
        from: 'billing@bench-msp.example',
        to: [`client-${s}-${i}@bench.example`],
        raw: Buffer.from('x'),
      });
    }
  }),
);
// Only sends inside [start, end) count; the last awaited take may land just after `end`.
const inside = sentAt.filter((t) => t < end);
let maxWindow = 0;
for (let i = 0, j = 0; i < sentAt.length; i++) {
  while ((sentAt[j] ?? Infinity) <= (sentAt[i] ?? 0) - 1000) j++;
  maxWindow = Math.max(maxWindow, i - j + 1);
}
line('ses_limiter', {
  rate_limit: RATE,
  achieved_rate: (inside.length / (DURATION_MS / 1000)).toFixed(2),
  max_1s_window: maxWindow,
  sends: sentAt.length,
  seconds: (DURATION_MS / 1000).toFixed(1),
  senders: SENDERS,
});

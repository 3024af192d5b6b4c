/**
 * Runs `npm run bench` 10× smaller (BENCH_SCALE=0.1) and checks what it prints: one line per
 * figure with the fields docs/scale.md reports, a summary, and the SES limiter's figures. Timings
 * are printed, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

function fields(line: string): Record<string, string> {
  return Object.fromEntries(
    line
      .split(' ')
      .slice(2)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

const NUMBER = /^\d+(\.\d+)?$/;

describe('npm run bench (BENCH_SCALE=0.1)', () => {
  it('prints every figure in its shape, and the limiter holds the rate', () => {
    const run = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'bench', 'all.ts')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, BENCH_SCALE: '0.1', NODE_NO_WARNINGS: '1' },
      timeout: 280_000,
    });
    expect(run.status, run.stderr.slice(-4000)).toBe(0);
    const lines = run.stdout.split('\n').filter((l) => l.startsWith('bench '));
    const find = (name: string): Record<string, string> => {
      const line = lines.find((l) => l.startsWith(`bench ${name} `));
      expect(line, `a "bench ${name}" line in:\n${run.stdout}`).toBeDefined();
      return fields(line ?? '');
    };

    const ingest = find('ingest');
    for (const key of ['rows', 'seconds', 'baseline_seconds', 'ratio', 'peak_rss_mb'])
      expect(ingest[key], `ingest ${key}`).toMatch(NUMBER);

    const billing = find('billing');
    expect(billing).toMatchObject({ clients: '500', lines: '4000', usage_rows: '100000' });
    for (const key of ['seconds', 'ddb_calls_per_client', 'peak_rss_mb'])
      expect(billing[key], `billing ${key}`).toMatch(NUMBER);
    expect(Number(billing.invoices)).toBeGreaterThan(0);

    const delivery = find('billing_delivery');
    expect(Number(delivery.sample)).toBeGreaterThan(0);
    expect(delivery.seconds_per_invoice).toMatch(NUMBER);
    if (Number(delivery.sample) < Number(billing.invoices)) expect(billing.notes).toContain('delivery_sampled');

    const dunning = find('dunning');
    expect(dunning.open_invoices).toBe('2000');
    expect(dunning.seconds).toMatch(NUMBER);
    expect(Number(dunning.emails)).toBeGreaterThan(0);

    const limiter = find('ses_limiter');
    expect(limiter.rate_limit).toBe('14');
    expect(Number(limiter.achieved_rate)).toBeGreaterThanOrEqual(0.9 * 14);
    expect(Number(limiter.max_1s_window)).toBeLessThanOrEqual(14);

    const summary = find('summary');
    expect(summary).toMatchObject({ scale: '0.1', ses_limiter: 'ok', status: 'ok' });
  }, 300_000);
});

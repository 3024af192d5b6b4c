/**
 * The sampled fault-injection harness, for the normal suite: every 7th k of each
 * job plus the first and the last (payments-import every 31st; billing, ~5 s a scenario, k = 1,
 * 293, 585), one fault mode per k in turn, and the concurrency cases.. One timeline (~20 s) serves all. `npm run test:faults` runs every k in every mode.
 * Scenarios that hit the divergences in bugs.test.ts fail here too until they are fixed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedAws, type EmbeddedAws } from '../../functions/adapters/local/embedded-aws.js';
import { runConcurrencyCase } from './concurrency.js';
import { harnessContext, runJobScenarios, sampledKs, type HarnessContext } from './harness.js';
import { FAULT_MODES } from './inject.js';
import { JOB_NAMES, buildTimeline, type JobName, type Timeline } from './jobs.js';

const STRIDE: Record<JobName, number> = {
  ingest: 7,
  'ingest-duplicate': 7,
  'payments-import': 31,
  payments: 7,
  dunning: 7,
  billing: 293,
  'charge-billing': 293,
  approval: 37,
  'credit-note': 11,
  void: 11,
  webhook: 13,
  'auto-pay': 13,
  books: 13,
};
const JOBS: readonly JobName[] = JOB_NAMES;

let aws: EmbeddedAws;
let ctx: HarnessContext;
let timeline: Timeline;

beforeAll(async () => {
  aws = await startEmbeddedAws();
  ctx = harnessContext(aws);
  timeline = await buildTimeline(aws, 'examples/acme-it', JOBS);
}, 120_000);

afterAll(async () => {
  await aws?.stop();
});

describe("a fault at call k, then the retry, ends in the clean run's state", () => {
  it.each(JOB_NAMES.filter((n) => JOBS.includes(n)).map((name) => [name]))('%s', async (name) => {
    const job = timeline.jobs.find((j) => j.name === name);
    if (!job) throw new Error(`no job ${name}`);
    const report = await runJobScenarios(ctx, job, { ks: sampledKs(STRIDE[name]), modes: FAULT_MODES, rotate: true });
    expect(report.n).toBeGreaterThan(0);
    const divergences = report.scenarios
      .filter((s) => s.outcome === 'divergence')
      .map((s) => `k=${s.k} ${s.mode} (${s.call}): ${s.differences.join(' | ')}`);
    expect(divergences).toEqual([]);
  });
});

describe('concurrency: exactly one set of effects', () => {
  it.each([['billing-twice'], ['dunning-twice'], ['payments-twice'], ['discrepancy-twice']] as const)(
    '%s',
    async (name) => {
      const result = await runConcurrencyCase(ctx, timeline, name);
      expect(result.differences).toEqual([]);
    },
  );
});

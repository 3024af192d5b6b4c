/**
 * Concurrency cases: two billing runs for the same period started at once, two
 * dunning runs on the same day, two runs applying the same day's payments, and one discrepancy
 * message delivered twice. Each must leave exactly the state of one run.
 */
import type { DiscrepancyMessage } from '../../functions/app/messages.js';
import type { LocalInstallation } from '../../functions/local-runner/local-runtime.js';
import { runOnFork, type HarnessContext } from './harness.js';
import { drainDiscrepancies, type Timeline } from './jobs.js';
import { checkInvariants, diffDumps } from './state.js';

export interface ConcurrencyResult {
  readonly name: string;
  readonly differences: string[];
}

export type ConcurrencyCase = 'billing-twice' | 'dunning-twice' | 'payments-twice' | 'discrepancy-twice';

export async function runConcurrencyCase(
  ctx: HarnessContext,
  timeline: Timeline,
  name: ConcurrencyCase,
): Promise<ConcurrencyResult> {
  const jobName = name === 'billing-twice' ? 'billing' : name === 'dunning-twice' ? 'dunning' : 'payments';
  const job = timeline.jobs.find((j) => j.name === jobName);
  if (!job) throw new Error(`No ${jobName} job in the timeline`);
  const clean = await runOnFork(ctx, job);
  let attempt: (i: LocalInstallation) => Promise<void>;
  if (name === 'discrepancy-twice') {
    // The payments job with its discrepancy message sent twice before the drain.
    attempt = async (i) => {
      const messages: { id: string; body: DiscrepancyMessage }[] = [];
      const queue = i.deps.discrepancyQueue;
      const deps = {
        ...i.deps,
        discrepancyQueue: {
          send: async (m: readonly { id: string; body: DiscrepancyMessage }[]) => {
            messages.push(...m);
            await queue.send(m);
          },
        },
      };
      await job.run({ ...i, deps });
      if (messages.length === 0) throw new Error('the payments job sent no discrepancy message');
      await queue.send(messages);
      await drainDiscrepancies(i);
    };
  } else {
    attempt = async (i) => {
      await Promise.all([job.run(i), job.run(i)]);
    };
  }
  const twice = await runOnFork(ctx, job, undefined, attempt);
  const differences = [
    ...(twice.firstError !== undefined ? [`a concurrent run failed: ${String(twice.firstError)}`] : []),
    ...checkInvariants(twice.dump).map((p) => `invariant: ${p}`),
    ...diffDumps(clean.dump, twice.dump),
  ];
  return { name, differences };
}

export async function runConcurrencyCases(ctx: HarnessContext, timeline: Timeline): Promise<ConcurrencyResult[]> {
  const out: ConcurrencyResult[] = [];
  for (const name of ['billing-twice', 'dunning-twice', 'payments-twice', 'discrepancy-twice'] as const)
    out.push(await runConcurrencyCase(ctx, timeline, name));
  return out;
}

/**
 * The fault-injection harness. For each job: fork its snapshot, run it once cleanly
 * and count its AWS calls N; then for each chosen k in 1..N and each fault mode, fork the
 * snapshot again, run the job with the fault at call k, re-run the whole job as the
 * scheduler's retry would (after the visibility timeout of any message the failed attempt had
 * received), and compare the canonical dump of the final state with the clean run's.
 *
 * One outcome is accepted and counted apart: a lost response (or a crash) right after SES
 * accepted an email re-sends that one email on retry — the window docs/guarantees.md names.
 */
import type { EmbeddedAws } from '../../functions/adapters/local/embedded-aws.js';
import type { LocalInstallation } from '../../functions/local-runner/local-runtime.js';
import { FaultInjector, InjectedFault, injectorOf, type FaultMode } from './inject.js';
import type { Job } from './jobs.js';
import {
  checkInvariants,
  destroyInstallation,
  diffDumps,
  dumpInstallation,
  expireSendLeases,
  forkInstallation,
  releaseReceived,
  type StateDump,
} from './state.js';

export interface ScenarioResult {
  readonly job: string;
  readonly k: number;
  readonly mode: FaultMode;
  /** The call the fault hit, e.g. `dynamodb TransactWriteItems`. */
  readonly call: string;
  readonly outcome: 'same' | 'window' | 'divergence';
  readonly differences: string[];
  readonly ms: number;
}

export interface JobReport {
  readonly job: string;
  readonly n: number;
  readonly calls: string[];
  readonly cleanMs: number;
  readonly scenarios: ScenarioResult[];
}

export interface HarnessContext {
  readonly aws: EmbeddedAws;
  readonly injector: FaultInjector;
  nextName(): string;
}

export function harnessContext(aws: EmbeddedAws): HarnessContext {
  let n = 0;
  const run = Date.now().toString(36);
  return { aws, injector: new FaultInjector(), nextName: () => `f${run}-${(n += 1)}` };
}

export interface RunOutcome {
  readonly dump: StateDump;
  readonly calls: number;
  readonly callNames: string[];
  readonly fired: InjectedFault | undefined;
  readonly firstError: unknown;
  readonly retryError: unknown;
}

/**
 * Runs `job` on a fork of its snapshot: once with the fault (if any), then again when the
 * first attempt failed or crashed. `attempts` replaces the job's own run (for concurrency).
 */
export async function runOnFork(
  ctx: HarnessContext,
  job: Pick<Job, 'snapshot' | 'run' | 'outside'>,
  plan?: { k: number; mode: FaultMode },
  attempt?: (installation: LocalInstallation) => Promise<void>,
): Promise<RunOutcome> {
  const { aws, injector } = ctx;
  const installation = await forkInstallation(aws, job.snapshot, ctx.nextName(), { onClient: injector.attach });
  injectorOf.set(installation, injector);
  try {
    await aws.clearEmails();
    injector.arm(plan);
    let firstError: unknown;
    try {
      await (attempt ?? job.run)(installation);
    } catch (error) {
      firstError = error ?? new Error('job failed');
    }
    const fired = injector.fired;
    const calls = injector.calls.length;
    const callNames = injector.calls.map((c) => `${c.service} ${c.command}`);
    const receipts = new Map(injector.receipts);
    injector.disarm();
    let retryError: unknown;
    if (firstError !== undefined || fired?.mode === 'crash') {
      await releaseReceived(installation.clients.sqs, receipts);
      await expireSendLeases(installation);
      injector.arm();
      try {
        await job.run(installation);
      } catch (error) {
        retryError = error ?? new Error('retry failed');
      }
      injector.disarm();
    }
    const dump = withOutside(await dumpInstallation(installation, await aws.sentEmails()), job.outside?.(installation));
    return { dump, calls, callNames, fired, firstError, retryError };
  } finally {
    injector.disarm();
    await destroyInstallation(installation);
  }
}

/** The dump with the state of the job's outside ports (the accounting system's documents) as items `outside|…`. */
function withOutside(dump: StateDump, outside: Record<string, string> | undefined): StateDump {
  if (!outside) return dump;
  const items = { ...dump.items };
  for (const [key, value] of Object.entries(outside)) items[`outside|${key}`] = value;
  return { ...dump, items };
}

/** Compares a scenario's outcome with the clean dump. */
export function judge(
  clean: StateDump,
  outcome: RunOutcome,
  mode: FaultMode,
  cleanCalls: readonly string[] = [],
  k = 0,
): Pick<ScenarioResult, 'outcome' | 'differences'> {
  const differences = diffDumps(clean, outcome.dump);
  const invariants = checkInvariants(outcome.dump);
  if (outcome.firstError !== undefined && !isInjected(outcome.firstError)) {
    differences.unshift(`first attempt failed with a non-injected error: ${String(outcome.firstError)}`);
  }
  if (outcome.retryError !== undefined) differences.unshift(`retry failed: ${String(outcome.retryError)}`);
  if (differences.length === 0 && invariants.length === 0) return { outcome: 'same', differences: [] };
  // The documented window: SES accepted an email whose result was lost; the retry sends it again.
  const sesWindow = inSesWindow(cleanCalls, k, mode);
  const onlyResent =
    differences.length === 1 &&
    /^email changed .*: 1 -> 2$/.test(differences[0] ?? '') &&
    invariants.every((p) => /accepted by SES 2 times$/.test(p));
  if (sesWindow && onlyResent) return { outcome: 'window', differences };
  return { outcome: 'divergence', differences: [...invariants.map((p) => `invariant: ${p}`), ...differences] };
}

/**
 * Whether call k (1-based, in the clean run's call list) lies in the SES window: the
 * SendRawEmail call itself once SES has accepted (lost, crash), or one of the calls after it
 * up to and including the write that records the email as sent (markSent: one
 * TransactWriteItems).
 */
export function inSesWindow(cleanCalls: readonly string[], k: number, mode: FaultMode): boolean {
  const at = cleanCalls[k - 1];
  if (at === undefined) return false;
  if (at.endsWith(' SendRawEmail')) return mode !== 'error';
  for (let i = k - 2; i >= 0; i -= 1) {
    const call = cleanCalls[i] ?? '';
    if (call.endsWith(' SendRawEmail')) return true;
    if (call.endsWith(' TransactWriteItems')) return false;
  }
  return false;
}

export interface JobOptions {
  /** Which k to fault, given N (default: all of 1..N). */
  readonly ks?: (n: number) => number[];
  readonly modes: readonly FaultMode[];
  /** One mode per k, taken in turn (the sampled test), instead of every mode at every k. */
  readonly rotate?: boolean;
  readonly onScenario?: (result: ScenarioResult) => void;
}

export async function runJobScenarios(ctx: HarnessContext, job: Job, options: JobOptions): Promise<JobReport> {
  const t0 = performance.now();
  const clean = await runOnFork(ctx, job);
  const cleanMs = performance.now() - t0;
  if (clean.firstError !== undefined) throw new Error(`The clean ${job.name} run failed: ${String(clean.firstError)}`);
  const problems = checkInvariants(clean.dump);
  if (problems.length > 0) throw new Error(`The clean ${job.name} run breaks invariants: ${problems.join('; ')}`);
  const n = clean.calls;
  const ks = options.ks ? options.ks(n) : Array.from({ length: n }, (_, i) => i + 1);
  const scenarios: ScenarioResult[] = [];
  for (const [index, k] of ks.entries()) {
    const modes = options.rotate ? [options.modes[index % options.modes.length] as FaultMode] : options.modes;
    for (const mode of modes) {
      const started = performance.now();
      const outcome = await runOnFork(ctx, job, { k, mode });
      const result: ScenarioResult = {
        job: job.name,
        k,
        mode,
        call: clean.callNames[k - 1] ?? '?',
        ...judge(clean.dump, outcome, mode, clean.callNames, k),
        ms: performance.now() - started,
      };
      scenarios.push(result);
      options.onScenario?.(result);
    }
  }
  return { job: job.name, n, calls: clean.callNames, cleanMs, scenarios };
}

/** Every `stride`-th k, plus the first and the last. */
export function sampledKs(stride: number): (n: number) => number[] {
  return (n) =>
    [...new Set([1, ...Array.from({ length: Math.floor(n / stride) }, (_, i) => (i + 1) * stride), n])]
      .filter((k) => k >= 1 && k <= n)
      .sort((a, b) => a - b);
}

/**
 * An injected fault, or a job's error that only gathers injected faults (a job that goes on
 * past one failure, as auto-pay does past one invoice, and fails at the end with them all).
 */
function isInjected(error: unknown): boolean {
  if (error instanceof InjectedFault) return true;
  const causes = (error as { causes?: unknown } | undefined)?.causes;
  return Array.isArray(causes) && causes.length > 0 && causes.every(isInjected);
}

/**
 * Divergences the fault harness found in the use cases and adapters, pinned as
 * regression tests: each replays the one fault on a small state. They failed on the code the
 * harness was written against and pass since commit 77547e3 fixed them. They use the same
 * harness as `npm run test:faults`, on snapshots built here so that they stay fast.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPayments, applyDuePayments } from '../../functions/app/apply-payments.js';
import { ingestUsageFile } from '../../functions/app/ingest-usage-file.js';
import { readDataFolder } from '../../functions/adapters/local/read-data-folder.js';
import { startEmbeddedAws, type EmbeddedAws } from '../../functions/adapters/local/embedded-aws.js';
import type { ReferenceData } from '../../functions/domain/billing-types.js';
import { provisionLocal, type LocalInstallation } from '../../functions/local-runner/local-runtime.js';
import { harnessContext, judge, runOnFork, type HarnessContext } from './harness.js';
import type { FaultMode } from './inject.js';
import { UNKNOWN_INVOICE_PAYMENT, drainDiscrepancies } from './jobs.js';

const NCE = 'examples/acme-it/usage/microsoft-nce-reconciliation-2026-01.csv';

let aws: EmbeddedAws;
let ctx: HarnessContext;
let reference: ReferenceData;
const installations: LocalInstallation[] = [];

async function snapshot(name: string, setup: (i: LocalInstallation) => Promise<void>): Promise<LocalInstallation> {
  const i = await provisionLocal(aws, `bug-${name}`);
  installations.push(i);
  await i.deps.ledger.saveReferenceData(reference);
  await setup(i);
  return i;
}

/** Runs `run` cleanly and with `mode` at the first call named `command` (the nth), and returns the judgement. */
async function faultAt(
  base: LocalInstallation,
  run: (i: LocalInstallation) => Promise<void>,
  command: string,
  mode: FaultMode,
  nth = 1,
) {
  const job = { snapshot: base, run };
  const clean = await runOnFork(ctx, job);
  const k = clean.callNames.map((c, i) => [c, i + 1] as const).filter(([c]) => c.endsWith(` ${command}`))[nth - 1]?.[1];
  if (k === undefined) throw new Error(`no call ${command} in ${clean.callNames.join(', ')}`);
  const outcome = await runOnFork(ctx, job, { k, mode });
  return judge(clean.dump, outcome, mode, clean.callNames, k);
}

beforeAll(async () => {
  aws = await startEmbeddedAws();
  ctx = harnessContext(aws);
  const folder = await readDataFolder('examples/acme-it');
  if (!folder.ok) throw new Error('demo data folder invalid');
  reference = folder.value.reference;
});

afterAll(async () => {
  await aws?.stop();
});

describe('divergences found by the fault harness (fixed in 77547e3)', () => {
  // Bug 1 (ingest-usage-file.ts + DynamoDbLedger.claimFile): the response of completeFile's
  // transaction is lost (or the job dies right after it); the retry finds FILE#sha256 `done`,
  // claimFile fails, and the file is recorded as a duplicate of itself (an extra FILELOG DUP#
  // item, listed in the next reconciliation report as a duplicate file).
  // Fix: a retry of the same object is not a new drop. Key the duplicate record by the drop —
  // `DUP#<sha256>#<inbox key>#<S3 sequencer or version id>` written with attribute_not_exists
  // (no counter) — and when claimFile finds a `done` record whose name/key is the one being
  // ingested with the same sequencer, return that record instead of recording a duplicate.
  it('ingest: a lost response of completeFile does not make the file a duplicate of itself', async () => {
    const base = await snapshot('ingest', async (i) => {
      await i.deps.usage.put('inbox/nce.csv', await readFile(NCE));
    });
    const verdict = await faultAt(
      base,
      async (i) => {
        await ingestUsageFile(i.deps, { key: 'inbox/nce.csv', today: '2026-01-01' });
      },
      'TransactWriteItems',
      'lost',
    );
    expect(verdict.differences).toEqual([]);
  });

  // Bug 2 (DynamoDbLedger.recordDuplicateFile): the DUP record is an unconditional Put under a
  // fresh counter value, so a retry after a lost response writes a second DUP record.
  // Fix: the same conditional, counter-free key as in bug 1.
  it('ingest: a lost response of recordDuplicateFile records the duplicate once', async () => {
    const base = await snapshot('dup', async (i) => {
      await i.deps.usage.put('inbox/nce.csv', await readFile(NCE));
      await ingestUsageFile(i.deps, { key: 'inbox/nce.csv', today: '2026-01-01' });
      await i.deps.usage.put('inbox/nce (copy).csv', await readFile(NCE));
    });
    const verdict = await faultAt(
      base,
      async (i) => {
        await ingestUsageFile(i.deps, { key: 'inbox/nce (copy).csv', today: '2026-01-01' });
      },
      'PutItem',
      'lost',
      2,
    ); // the 1st PutItem is claimFile's (refused)
    expect(verdict.differences).toEqual([]);
  });

  // Bug 3 (apply-payments.ts): recordPayment marks the payment `unapplied` and only then is the
  // discrepancy queued. If the queue send fails, or the transaction's response is lost, the
  // retry no longer sees the payment as pending and the unapplied_payment discrepancy is never
  // stored: money recorded but never surfaced (docs/contract.md §6: nothing is dropped).
  // Fix: write the DISC item (attribute_not_exists on its deterministic id) in the same
  // TransactWriteItems as the payment claim in DynamoDbLedger.recordPayment, instead of
  // queueing it afterwards; or keep the queue but have applyDuePayments re-send, on every run,
  // the discrepancy of each `unapplied` payment whose DISC item does not exist yet.
  const paymentsRun = async (i: LocalInstallation): Promise<void> => {
    await applyDuePayments(i.deps, { today: UNKNOWN_INVOICE_PAYMENT.receivedOn });
    await drainDiscrepancies(i);
  };
  it.each([
    ['TransactWriteItems', 'lost'],
    ['SendMessageBatch', 'error'],
  ] as const)('payments: an unapplied payment keeps its discrepancy when %s fails (%s)', async (command, mode) => {
    const base = await snapshot(`pay-${mode}`, async (i) => {
      await importPayments(i.deps, [UNKNOWN_INVOICE_PAYMENT]);
    });
    const verdict = await faultAt(base, paymentsRun, command, mode);
    expect(verdict.differences).toEqual([]);
  });
});

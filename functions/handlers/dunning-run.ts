/** Scheduled daily (MSP time zone): send the dunning steps due today, charge late fees once. */
import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { applyDuePayments } from '../app/apply-payments.js';
import { runDunning } from '../app/run-dunning.js';
import { draftsWaitingReview } from '../app/review-drafts.js';
import { DRAFTS_WAITING } from './metric-names.js';
import { dailyIdempotency, deps, logger, metrics, persistenceStore, runDate } from './runtime.js';

async function dunningRun(event: { date: string }, context: Context): Promise<{ emails: number; lateFees: number }> {
  logger.addContext(context);
  await applyDuePayments(deps, { today: event.date }); // payments received today count first
  const result = await runDunning(deps, { today: event.date });
  metrics.addMetric('DunningEmails', 'Count', result.emails);
  metrics.addMetric('LateFees', 'Count', result.lateFees);
  const waiting = await draftsWaitingReview(deps, event.date);
  if (waiting !== undefined) metrics.addMetric(DRAFTS_WAITING, 'Count', waiting); // the drafts-waiting alarm counts these
  metrics.publishStoredMetrics();
  return result;
}

const idempotent = makeIdempotent(dunningRun, { persistenceStore, config: dailyIdempotency });

export const handler = async (event: unknown, context: Context): Promise<{ emails: number; lateFees: number }> =>
  idempotent({ date: runDate(event) }, context);

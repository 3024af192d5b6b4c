/** Scheduled on the 1st of each month (MSP time zone): reconcile last month, plan its invoices, fan out one issue message each. */
import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { runBilling } from '../app/run-billing.js';
import { BILLING_RUN_COMPLETED } from './metric-names.js';
import { dailyIdempotency, deps, logger, metrics, persistenceStore, runDate } from './runtime.js';

async function billingRun(event: { date: string }, context: Context): Promise<{ period: string; planned: number }> {
  logger.addContext(context);
  const result = await runBilling(deps, { today: event.date });
  metrics.addMetric('InvoicesPlanned', 'Count', result.planned.length);
  metrics.addMetric(BILLING_RUN_COMPLETED, 'Count', 1); // the missed-billing-run alarm counts these
  metrics.publishStoredMetrics();
  return { period: result.period, planned: result.planned.length };
}

const idempotent = makeIdempotent(billingRun, { persistenceStore, config: dailyIdempotency });

export const handler = async (event: unknown, context: Context): Promise<{ period: string; planned: number }> =>
  idempotent({ date: runDate(event) }, context);

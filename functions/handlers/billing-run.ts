/** Scheduled on the 1st of each month (MSP time zone): reconcile last month, issue invoices, fan out. */
import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { runBilling } from '../app/run-billing.js';
import { dailyIdempotency, deps, logger, metrics, persistenceStore, runDate } from './runtime.js';

async function billingRun(event: { date: string }, context: Context): Promise<{ period: string; issued: number }> {
  logger.addContext(context);
  const result = await runBilling(deps, { today: event.date });
  metrics.addMetric('InvoicesIssued', 'Count', result.issued.length);
  metrics.addMetric('BillingRuns', 'Count', 1);
  metrics.publishStoredMetrics();
  return { period: result.period, issued: result.issued.length };
}

const idempotent = makeIdempotent(billingRun, { persistenceStore, config: dailyIdempotency });

export const handler = async (event: unknown, context: Context): Promise<{ period: string; issued: number }> =>
  idempotent({ date: runDate(event) }, context);

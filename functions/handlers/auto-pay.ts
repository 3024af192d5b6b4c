/**
 * Scheduled daily (MSP time zone), before dunning: charge the saved payment method of auto-pay
 * clients for the invoices due today or earlier (docs/auto-pay.md). Deployed only when the CDK
 * config turns payments on; does nothing unless trueup.json has `payments` too.
 */
import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { Context } from 'aws-lambda';
import { applyDuePayments } from '../app/apply-payments.js';
import { runAutoPay, type AutoPayResult } from '../app/auto-pay.js';
import { dailyIdempotency, deps as pipelineDeps, logger, metrics, persistenceStore, runDate, env } from './runtime.js';
import { withStripePayments } from '../adapters/payments/aws-stripe.js';

/** The pipeline's deps with the Stripe provider: this function takes money (its bundle carries the SDK). */
const deps = withStripePayments(pipelineDeps, env);

async function autoPayRun(event: { date: string }, context: Context): Promise<AutoPayResult> {
  logger.addContext(context);
  await applyDuePayments(deps, { today: event.date }); // a payment received today is not charged again
  const result = await runAutoPay(deps, { today: event.date });
  metrics.addMetric('AutoPayCharged', 'Count', result.succeeded);
  metrics.addMetric('AutoPayProcessing', 'Count', result.processing);
  metrics.addMetric('AutoPayFailed', 'Count', result.failed + result.skipped);
  metrics.publishStoredMetrics();
  return result;
}

const idempotent = makeIdempotent(autoPayRun, { persistenceStore, config: dailyIdempotency });

export const handler = async (event: unknown, context: Context): Promise<AutoPayResult> =>
  idempotent({ date: runDate(event) }, context);

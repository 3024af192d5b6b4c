/**
 * Scheduled daily (MSP time zone): on trueup.json's `statements.dayOfMonth`, the statements of
 * account as of today to every client with something open (docs/statements.md); nothing on the
 * other days or when statements are off. An operator's event with an explicit `date` (and
 * optionally `clientId`) sends the statements of that date whatever its day. Each statement is
 * sent once per client and date (outbox), so a retried or repeated run sends nothing twice.
 */
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { scheduledStatements, sendStatements, type StatementsResult } from '../app/statements.js';
import { deps, logger, metrics, runDate, ScheduledEvent } from './runtime.js';

const StatementsEvent = ScheduledEvent.extend({ clientId: z.string().min(1).optional() });

export const handler = async (
  event: unknown,
  context: Context,
): Promise<{ asOf: string } & Partial<StatementsResult>> => {
  logger.addContext(context);
  const asOf = runDate(event);
  const parsed = StatementsEvent.parse(event ?? {});
  const result =
    parsed.date !== undefined
      ? await sendStatements(deps, { asOf, ...(parsed.clientId ? { clientId: parsed.clientId } : {}) })
      : await scheduledStatements(deps, { today: asOf });
  if (result) {
    metrics.addMetric('StatementsSent', 'Count', result.sent.length);
    metrics.publishStoredMetrics();
  }
  return { asOf, ...(result ?? {}) };
};

/** Scheduled weekly on the aging weekday: the AR aging report to the billing team. */
import type { Context } from 'aws-lambda';
import { agingReport } from '../app/send-reports.js';
import { deps, logger, runDate } from './runtime.js';

export const handler = async (event: unknown, context: Context): Promise<{ asOf: string }> => {
  logger.addContext(context);
  const asOf = runDate(event);
  await agingReport(deps, { asOf, email: true }); // sent once per date through the outbox
  return { asOf };
};

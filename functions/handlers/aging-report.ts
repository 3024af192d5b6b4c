/**
 * Scheduled daily: on trueup.json's aging weekday, the AR aging report to the billing team.
 * An operator's event with an explicit `date` sends the report of that date whatever its weekday.
 */
import type { Context } from 'aws-lambda';
import { sendAgingReport, scheduledAgingReport } from '../app/send-reports.js';
import { deps, logger, runDate, ScheduledEvent } from './runtime.js';

export const handler = async (event: unknown, context: Context): Promise<{ asOf: string; sent: boolean }> => {
  logger.addContext(context);
  const asOf = runDate(event);
  if (ScheduledEvent.parse(event ?? {}).date !== undefined) {
    await sendAgingReport(deps, { asOf, email: true }); // sent once per date through the outbox
    return { asOf, sent: true };
  }
  return { asOf, ...(await scheduledAgingReport(deps, { today: asOf })) };
};

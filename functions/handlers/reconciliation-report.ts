/** Scheduled an hour after the billing run: the reconciliation report to the billing team. */
import type { Context } from 'aws-lambda';
import { sendReconciliationReport } from '../app/send-reports.js';
import { deps, logger, runDate } from './runtime.js';

export const handler = async (event: unknown, context: Context): Promise<{ sent: boolean }> => {
  logger.addContext(context);
  return { sent: await sendReconciliationReport(deps, { today: runDate(event) }) };
};

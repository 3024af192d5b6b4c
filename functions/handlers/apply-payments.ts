/** S3 ObjectCreated on payments/: import a payments CSV and apply what has been received. */
import { S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import type { Context } from 'aws-lambda';
import { applyDuePayments, importPayments } from '../app/apply-payments.js';
import { dateInZone } from '../domain/dates.js';
import { parsePayments } from '../domain/reference/index.js';
import { decodeBytes } from '../text/decode.js';
import { decodeS3EventKey } from '../text/s3-event-key.js';
import { deps, env, logger } from './runtime.js';

export const handler = async (event: unknown, context: Context): Promise<{ imported: number; applied: number }> => {
  logger.addContext(context);
  const { Records } = S3Schema.parse(event);
  let imported = 0;
  for (const record of Records) {
    const key = decodeS3EventKey(record.s3.object.key);
    const bytes = await deps.usage.get(key);
    if (!bytes) continue;
    const parsed = parsePayments(decodeBytes(bytes), key.split('/').pop() ?? key);
    if (!parsed.ok) {
      // Nothing is applied from a file with problems; the problems are logged with file, line and column.
      logger.error('payments file rejected', { key, problems: parsed.problems });
      continue;
    }
    imported += await importPayments(deps, parsed.value);
  }
  const { applied } = await applyDuePayments(deps, { today: dateInZone(new Date(), env.MSP_TIMEZONE) });
  return { imported, applied };
};

/** S3 ObjectCreated on inbox/: ingest each dropped usage file. */
import { S3Schema } from '@aws-lambda-powertools/parser/schemas/s3';
import type { Context } from 'aws-lambda';
import { ingestUsageFile } from '../app/ingest-usage-file.js';
import { dateInZone } from '../domain/dates.js';
import { decodeS3EventKey } from '../text/s3-event-key.js';
import { deps, env, logger, metrics } from './runtime.js';

export const handler = async (event: unknown, context: Context): Promise<void> => {
  logger.addContext(context);
  const { Records } = S3Schema.parse(event);
  const today = dateInZone(new Date(), env.MSP_TIMEZONE);
  for (const record of Records) {
    const key = decodeS3EventKey(record.s3.object.key);
    const result = await ingestUsageFile(deps, { key, today });
    metrics.addMetric('UsageRowsAccepted', 'Count', result.record.rowsAccepted);
    metrics.addMetric('UsageRowsRejected', 'Count', result.record.rowsRejected);
  }
  metrics.publishStoredMetrics();
};

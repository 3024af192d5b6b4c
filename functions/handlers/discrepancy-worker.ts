/** SQS discrepancy queue: store each discrepancy once by its deterministic id. */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { SqsRecordSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { z } from 'zod';
import { DiscrepancyMessageSchema } from '../app/messages.js';
import { storeDiscrepancy } from '../app/store-discrepancy.js';
import { deps, logger } from './runtime.js';

const Record = SqsRecordSchema.extend({ body: JSONStringified(DiscrepancyMessageSchema) });
const processor = new BatchProcessor(EventType.SQS, { parser, schema: Record, logger });

async function recordHandler(record: z.infer<typeof Record>): Promise<void> {
  const stored = await storeDiscrepancy(deps, record.body);
  if (!stored) logger.info('discrepancy already stored', { id: record.body.discrepancy.id });
}

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, recordHandler, processor, { context });

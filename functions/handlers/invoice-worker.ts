/**
 * SQS work queue: issue a planned invoice with its reserved number, then render, store and
 * email it (`issue_invoice`), deliver an issued one again (`deliver_invoice`), or send a
 * recorded email such as a dunning notice (`deliver_email`); failures are reported per message.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { SqsRecordSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { z } from 'zod';
import { WorkMessageSchema } from '../app/messages.js';
import { handleWorkMessage } from '../app/work-messages.js';
import { deps, logger } from './runtime.js';

const Record = SqsRecordSchema.extend({ body: JSONStringified(WorkMessageSchema) });
const processor = new BatchProcessor(EventType.SQS, { parser, schema: Record, logger });

async function recordHandler(record: z.infer<typeof Record>): Promise<void> {
  await handleWorkMessage(deps, record.body);
}

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, recordHandler, processor, { context });

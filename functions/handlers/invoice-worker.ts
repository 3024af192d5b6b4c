/** SQS work queue: render, store and email one invoice per message; failures are reported per message. */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { SqsRecordSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { deliverInvoice } from '../app/deliver-invoice.js';
import { deps, logger } from './runtime.js';

const DeliverInvoice = z.object({ type: z.literal('deliver_invoice'), number: z.string().min(1) });
const Record = SqsRecordSchema.extend({ body: JSONStringified(DeliverInvoice) });
const processor = new BatchProcessor(EventType.SQS, { parser, schema: Record, logger });

async function recordHandler(record: z.infer<typeof Record>): Promise<void> {
  await deliverInvoice(deps, { number: record.body.number });
}

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, recordHandler, processor, { context });

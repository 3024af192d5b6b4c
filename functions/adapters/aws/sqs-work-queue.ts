/** A queue on SQS (any message kind): sends in batches of ten, retrying entries SQS reports as failed. */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Queue } from '../../app/ports.js';
import { retryUnprocessed } from './retry-unprocessed.js';

export class SqsWorkQueue<M> implements Queue<M> {
  constructor(
    private readonly sqs: SQSClient,
    readonly queueUrl: string,
  ) {}

  async send(messages: readonly { id: string; body: M }[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      const batch = messages.slice(i, i + 10).map((m, j) => ({
        Id: `m${j}`,
        MessageBody: JSON.stringify(m.body),
        MessageAttributes: { key: { DataType: 'String', StringValue: m.id } },
      }));
      await retryUnprocessed(
        batch,
        async (entries) => {
          const out = await this.sqs.send(
            new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: [...entries] }),
          );
          const failed = new Set((out.Failed ?? []).map((f) => f.Id));
          return entries.filter((entry) => failed.has(entry.Id));
        },
        { retries: 5, exhausted: (left) => new Error(`SQS refused ${left.length} messages to ${this.queueUrl}`) },
      );
    }
  }
}

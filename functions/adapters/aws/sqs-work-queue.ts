/** A queue on SQS (any message kind): sends in batches of ten, retrying entries SQS reports as failed. */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Queue } from '../../app/ports.js';

export class SqsWorkQueue<M> implements Queue<M> {
  constructor(private readonly sqs: SQSClient, readonly queueUrl: string) {}

  async send(messages: readonly { id: string; body: M }[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      let batch = messages.slice(i, i + 10).map((m, j) => ({ Id: `m${j}`, MessageBody: JSON.stringify(m.body), MessageAttributes: { key: { DataType: 'String', StringValue: m.id } } }));
      for (let attempt = 0; batch.length > 0; attempt += 1) {
        if (attempt > 5) throw new Error(`SQS refused ${batch.length} messages to ${this.queueUrl}`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
        const out = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: batch }));
        const failed = new Set((out.Failed ?? []).map((f) => f.Id));
        batch = batch.filter((entry) => failed.has(entry.Id));
      }
    }
  }
}

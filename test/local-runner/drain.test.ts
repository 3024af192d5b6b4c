/**
 * The embedded runtime's drain parses each body with the queue's schema, as the Lambda worker
 * does: a valid message reaches the handler typed, a malformed one fails the drain loudly and
 * stays on the queue (not deleted, so SQS retries and dead-letters it).
 */
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkMessageSchema, type WorkMessage } from '../../functions/app/messages.js';
import { startLocalRuntime, type LocalRuntime } from '../../functions/local-runner/local-runtime.js';

let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startLocalRuntime();
}, 60_000);
afterAll(async () => {
  await runtime?.stop();
});

async function sendRaw(key: string, body: unknown): Promise<void> {
  await runtime.clients.sqs.send(
    new SendMessageCommand({
      QueueUrl: runtime.queues.work,
      MessageBody: JSON.stringify(body),
      MessageAttributes: { key: { DataType: 'String', StringValue: key } },
    }),
  );
}

async function notVisible(): Promise<number> {
  const out = await runtime.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: runtime.queues.work,
      AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

describe('drain', () => {
  it('hands the handler each message parsed with the schema', async () => {
    await runtime.deps.workQueue.send([{ id: 'email#k1', body: { type: 'deliver_email', key: 'k1' } }]);
    const seen: WorkMessage[] = [];
    expect(
      await runtime.drain(runtime.queues.work, WorkMessageSchema, async (message) => {
        seen.push(message);
      }),
    ).toBe(1);
    expect(seen).toEqual([{ type: 'deliver_email', key: 'k1' }]);
  });

  it('fails on a body the schema refuses, naming the message and the field, and leaves it on the queue', async () => {
    await sendRaw('email#broken', { type: 'deliver_email' });
    const seen: WorkMessage[] = [];
    const drained = runtime.drain(runtime.queues.work, WorkMessageSchema, async (message) => {
      seen.push(message);
    });
    await expect(drained).rejects.toThrow(/Message email#broken on .* does not match its schema:[\s\S]*at key/);
    expect(seen).toEqual([]);
    expect(await notVisible()).toBe(1);
  });
});

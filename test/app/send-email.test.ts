/**
 * sendOnce, deliver and flushOutbox on the in-memory ports (no JVM): an email is sent once per
 * outbox key; a sender that died after taking its lease blocks others until the lease expires,
 * and then a retry sends it, once.
 */
import { describe, expect, it } from 'vitest';
import { flushOutbox, SEND_LEASE_SECONDS, sendOnce, type EmailIntent } from '../../functions/app/send-email.js';
import { reference } from '../support/builders.js';
import { memoryDeps, type MemoryDeps } from '../fakes/memory-ports.js';

const intent: EmailIntent = {
  key: 'report#aging#2025-03-03',
  kind: 'aging_report',
  date: '2025-03-03',
  from: '"Acme IT" <billing@acme-it.example>',
  to: ['team@acme-it.example'],
  content: {
    subject: 'AR aging as of 2025-03-03',
    text: 'Aging attached.',
    html: '<p>Aging attached.</p>',
    attachments: [],
  },
};

async function setup(): Promise<{ deps: MemoryDeps; clock: { now: number } }> {
  const clock = { now: Date.UTC(2025, 2, 3, 9) };
  const deps = memoryDeps({ now: () => clock.now });
  await deps.ledger.saveReferenceData(reference());
  return { deps, clock };
}

describe('sendOnce (in memory)', () => {
  it('sends an email once per key: a second call records and sends nothing', async () => {
    const { deps } = await setup();

    expect(await sendOnce(deps, intent)).toBe(true);
    expect(await sendOnce(deps, intent)).toBe(false);

    expect(deps.mailer.sent).toHaveLength(1);
    expect(deps.mailer.sent[0]).toMatchObject({ from: 'billing@acme-it.example', to: ['team@acme-it.example'] });
    expect(deps.mailer.sent[0]?.raw).toContain('Subject: AR aging as of 2025-03-03');
    expect(await deps.ledger.getOutbox(intent.key)).toMatchObject({ status: 'sent', messageId: 'msg-1', sentOrder: 1 });
  });

  it('sends once when two senders race, and a re-run never rewrites the stored message', async () => {
    const { deps } = await setup();

    const results = await Promise.all([sendOnce(deps, intent), sendOnce(deps, intent)]);
    const stored = deps.artifacts.text('emails/report_aging_2025-03-03.eml');
    const rerun = await sendOnce(deps, { ...intent, content: { ...intent.content, text: 'Changed since.' } });

    expect([...results].sort()).toEqual([false, true]);
    expect(rerun).toBe(false);
    expect(deps.mailer.sent).toHaveLength(1);
    expect(deps.artifacts.text('emails/report_aging_2025-03-03.eml')).toBe(stored);
  });

  it('leaves a failed send pending under its lease, and a retry after the lease sends it once', async () => {
    const { deps, clock } = await setup();
    deps.mailer.fail = new Error('SES throttled');
    await expect(sendOnce(deps, intent)).rejects.toThrow('SES throttled');
    deps.mailer.fail = undefined;

    // Within the lease of the sender that failed, nobody sends.
    clock.now += 1000;
    expect(await sendOnce(deps, intent)).toBe(false);
    expect(await flushOutbox(deps, intent.from)).toBe(1);
    expect(deps.mailer.sent).toHaveLength(0);
    expect((await deps.ledger.getOutbox(intent.key))?.status).toBe('pending');

    // After it, a retry of the same job sends it, and nothing sends it again.
    clock.now += SEND_LEASE_SECONDS * 1000;
    expect(await sendOnce(deps, intent)).toBe(false);
    expect(deps.mailer.sent).toHaveLength(1);
    expect(await flushOutbox(deps, intent.from)).toBe(0);
    expect(await sendOnce(deps, intent)).toBe(false);

    expect(deps.mailer.sent).toHaveLength(1);
    expect((await deps.ledger.sentLog()).map((e) => [e.key, e.status])).toEqual([[intent.key, 'sent']]);
  });
});

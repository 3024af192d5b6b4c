/**
 * The round trips of the hot paths, counted on the embedded stand-in (test/support/counting.ts):
 * the invoice worker sends the email it built without reading it back from S3 and without
 * reading the period's reconciliation (the plan carries the usage its lines print), reads the
 * outbox entry once; completing a pending email needs no reference data; the billing run lists
 * the unreported files once; the ingest streams a usage file once. Entries and plans written before these carried what they now
 * carry still work, through the reads they used to make.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverInvoice, invoiceView } from '../../functions/app/deliver-invoice.js';
import { ingestUsageFile } from '../../functions/app/ingest-usage-file.js';
import { WorkMessageSchema, type IssueInvoiceMessage } from '../../functions/app/messages.js';
import type { OutboxEntry } from '../../functions/app/ports.js';
import { emailObjectKey, reconciliationKey } from '../../functions/app/bucket-layout.js';
import { runBilling } from '../../functions/app/run-billing.js';
import { clientSender, prepareEmail } from '../../functions/app/send-email.js';
import { handleWorkMessage } from '../../functions/app/work-messages.js';
import { provisionLocal, startLocalRuntime, type LocalRuntime } from '../../functions/local-runner/local-runtime.js';
import { agreement, client, d, reference, settings } from '../support/builders.js';
import { counted, type Counted } from '../support/counting.js';

const REFERENCE = reference({
  settings: settings({ msp: { ...settings().msp, senderName: 'Acme Billing' } }),
  clients: [client(), client({ clientId: 'C002', name: 'Client Two', billingEmails: ['ap@c2.example'] })],
  accounts: [
    { vendor: 'microsoft', accountId: 'T1', clientId: 'C001' },
    { vendor: 'microsoft', accountId: 'T2', clientId: 'C002' },
  ],
  agreements: [agreement(), agreement({ agreementId: 'A2', clientId: 'C002', quantity: d(20), trueUp: 'credit' })],
});

let runtime: LocalRuntime;
let io: Counted;

beforeAll(async () => {
  runtime = await startLocalRuntime();
  await runtime.deps.ledger.saveReferenceData(REFERENCE);
  io = counted(runtime.deps);
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
});

async function drop(name: string, rows: string[], today: string): Promise<void> {
  const key = `inbox/${name}`;
  await runtime.deps.usage.put(key, ['vendor,account_id,vendor_sku,quantity,usage_date', ...rows].join('\n') + '\n');
  await ingestUsageFile(runtime.deps, { key, today });
}

/** Drains the work queue through the counted ports; `rewrite` changes each message first. */
async function work(rewrite: (m: ReturnType<typeof WorkMessageSchema.parse>) => typeof m = (m) => m): Promise<void> {
  await runtime.drain(runtime.queues.work, WorkMessageSchema, (message) =>
    handleWorkMessage(io.deps, rewrite(message)),
  );
}

async function text(key: string): Promise<string> {
  return new TextDecoder().decode(await runtime.deps.artifacts.get(key));
}

describe('the billing run and its invoice workers', () => {
  let numbers: string[] = [];

  it('list the unreported files once and plan the usage behind each true-up line', async () => {
    await drop(
      'ms-2025-01.csv',
      ['microsoft,T1,seat-sku,12,2025-01-20', 'microsoft,T2,seat-sku,15,2025-01-20'],
      '2025-01-31',
    );
    io.reset();
    const run = await runBilling(io.deps, { today: '2025-02-01' });
    numbers = run.planned;
    expect(io.args('ledger', 'unreportedFiles')).toHaveLength(1);
    const plan = (await text('billing/2025-01/plan.ndjson'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as IssueInvoiceMessage);
    expect(plan.map((p) => p.usage)).toEqual([
      { SEAT: { used: '12', contracted: '10' } },
      { SEAT: { used: '15', contracted: '20' } },
    ]);
  });

  it('send the email they built, without reading it back, the reconciliation or the outbox of an invoice they just issued', async () => {
    io.reset();
    await work();
    const gets = [...io.args('artifacts', 'get'), ...io.args('artifacts', 'stream')];
    expect(gets.filter((k) => String(k).startsWith('emails/'))).toEqual([]);
    expect(gets).not.toContain(reconciliationKey('2025-01'));
    expect(io.args('ledger', 'getOutbox')).toEqual([]);
    // What SES was given is the stored copy, byte for byte, from the sender's bare address.
    expect(io.sent).toHaveLength(2);
    for (const [i, number] of numbers.entries()) {
      expect(
        io.sent[i]?.raw.equals(Buffer.from((await runtime.deps.artifacts.get(emailObjectKey(`invoice#${number}`)))!)),
      ).toBe(true);
      expect(io.sent[i]?.from).toBe('billing@acme-it.example');
    }
    expect(await text(`invoices/${numbers[0]}.html`)).toContain('usage: 12 used vs 10 contracted (+2)');
    expect(await text(`invoices/${numbers[1]}.html`)).toContain('usage: 15 used vs 20 contracted (-5)');
    // The usage the plan carried is what the reconciliation gives.
    const reference = (await runtime.deps.ledger.loadReferenceData())!;
    for (const number of numbers) {
      const account = (await runtime.deps.ledger.getInvoice(number))!;
      const owner = reference.clients.find((c) => c.clientId === account.invoice.clientId)!;
      const plan = (await text('billing/2025-01/plan.ndjson'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as IssueInvoiceMessage);
      const carried = plan.find((p) => p.draft.clientId === owner.clientId)?.usage;
      const fromReconciliation = await invoiceView(runtime.deps, account, owner, reference.settings, '2025-02-01');
      expect(await invoiceView(runtime.deps, account, owner, reference.settings, '2025-02-01', carried)).toEqual(
        fromReconciliation,
      );
      expect(Object.keys(fromReconciliation.usage ?? {})).toEqual(['SEAT']);
    }
  });

  it('of a plan stored without usage read the reconciliation, as before', async () => {
    await drop(
      'ms-2025-02.csv',
      ['microsoft,T1,seat-sku,13,2025-02-20', 'microsoft,T2,seat-sku,20,2025-02-20'],
      '2025-02-27',
    );
    const run = await runBilling(runtime.deps, { today: '2025-03-01' });
    io.reset();
    await work((m) => {
      if (m.type !== 'issue_invoice') return m;
      const { usage: _usage, ...old } = m;
      return old;
    });
    expect(io.args('artifacts', 'get')).toContain(reconciliationKey('2025-02'));
    expect(await text(`invoices/${run.planned[0]}.html`)).toContain('usage: 13 used vs 10 contracted (+3)');
    // A redelivery finds the email recorded: nothing is rendered or read again.
    io.reset();
    await deliverInvoice(io.deps, { number: run.planned[0]! });
    expect(io.ledger.map((c) => c.method)).toEqual(['getOutbox']);
  });
});

describe('completing a recorded email', () => {
  async function record(key: string, withFrom: boolean): Promise<OutboxEntry> {
    const prepared = await prepareEmail(runtime.deps, {
      key,
      kind: 'dunning',
      date: '2025-03-10',
      from: clientSender(REFERENCE.settings),
      to: ['ap@c1.example'],
      content: { subject: `Reminder ${key}`, text: 'Please pay.', html: '<p>Please pay.</p>', attachments: [] },
    });
    const { from: _from, ...old } = prepared;
    const entry = withFrom ? prepared : old;
    expect(await runtime.deps.ledger.putOutbox(entry)).toBe(true);
    return entry;
  }

  it('reads the entry once and takes its From from it, not from the reference data', async () => {
    const entry = await record('dunning#C001#2025-03-10', true);
    expect(entry.from).toBe('"Acme Billing" <billing@acme-it.example>');
    io.reset();
    await handleWorkMessage(io.deps, { type: 'deliver_email', key: entry.key });
    expect(io.ledger.map((c) => c.method)).toEqual(['getOutbox', 'claimSend', 'markSent']);
    expect(io.sent.map((s) => s.from)).toEqual(['billing@acme-it.example']);
    expect((await runtime.deps.ledger.getOutbox(entry.key))?.status).toBe('sent');
  });

  it('of an entry recorded without its From takes the MSP address from the reference data', async () => {
    const entry = await record('dunning#C002#2025-03-10', false);
    io.reset();
    await handleWorkMessage(io.deps, { type: 'deliver_email', key: entry.key });
    expect(io.ledger.map((c) => c.method)).toEqual(['getOutbox', 'loadReferenceData', 'claimSend', 'markSent']);
    expect(io.sent.map((s) => s.from)).toEqual(['billing@acme-it.example']);
  });
});

describe('the ingest of a usage file', () => {
  const HEADER = 'vendor,account_id,vendor_sku,quantity,usage_date,reference';
  const rows = (n: number, bad = false): string =>
    [
      HEADER,
      ...Array.from({ length: n }, (_, i) => `microsoft,T1,seat-sku,${i + 1},2025-01-1${i % 10},R${i}`),
      ...(bad ? ['microsoft,T1,seat-sku,many,2025-01-10,RX'] : []),
    ].join('\n') + '\n';

  it('streams the object once, hashing and reading it at once; a larger one, or a retry over its own references, twice', async () => {
    const { deps } = await provisionLocal(runtime.aws, 'round-trips-ingest');
    const files = counted(deps);
    const small = rows(10, true);
    await deps.usage.put('inbox/small.csv', small);
    // The first attempt dies after its records and references are sealed, before the file is recorded.
    const usage = new Proxy(files.deps.usage, {
      get: (store, key) =>
        key === 'put' ? () => Promise.reject(new Error('PUT failed (test)')) : (Reflect.get(store, key) as unknown),
    });
    const failing = { ...files.deps, usage };
    files.reset();
    await expect(ingestUsageFile(failing, { key: 'inbox/small.csv', today: '2025-02-01' })).rejects.toThrow(
      /failed \(test\)/,
    );
    expect(files.args('usage', 'stream')).toEqual(['inbox/small.csv']);
    expect(files.args('usage', 'get')).toEqual([]);
    // The retry meets the file's own sealed references: it reads the file again without them.
    files.reset();
    const retry = await ingestUsageFile(files.deps, { key: 'inbox/small.csv', today: '2025-02-01' });
    expect(files.args('usage', 'stream')).toEqual(['inbox/small.csv', 'inbox/small.csv']);
    // … but not the stored references it read the first time.
    expect(files.args('artifacts', 'list').filter((k) => String(k).startsWith('refs/'))).toEqual(['refs/2025-01/']);
    expect(retry.record).toMatchObject({
      sha256: createHash('sha256').update(small).digest('hex'),
      bytes: Buffer.byteLength(small),
      rowsRead: 11,
      rowsAccepted: 10,
      rowsRejected: 1,
      rowsDuplicate: 0,
    });

    const large = rows(40);
    await deps.usage.put('inbox/large.csv', large);
    files.reset();
    const { record } = await ingestUsageFile(
      files.deps,
      { key: 'inbox/large.csv', today: '2025-02-01' },
      { partSize: 300 },
    );
    expect(files.args('usage', 'stream')).toEqual(['inbox/large.csv', 'inbox/large.csv']);
    expect(files.args('artifacts', 'list').filter((k) => String(k).startsWith('refs/'))).toEqual(['refs/2025-01/']);
    expect(record).toMatchObject({
      sha256: createHash('sha256').update(large).digest('hex'),
      bytes: Buffer.byteLength(large),
      rowsAccepted: 30,
      rowsDuplicate: 10,
    });
  });
});

/**
 * The portal link in the client's emails: invoice, credit note, dunning and statement emails
 * carry it (text and HTML) when `portal` is set and wired; without either, not a byte changes.
 */
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { voidInvoice } from '../../../functions/app/credit-notes.js';
import { deliverInvoice } from '../../../functions/app/deliver-invoice.js';
import { WorkMessageSchema } from '../../../functions/app/messages.js';
import { emailLinkExpiry } from '../../../functions/app/portal/email-links.js';
import { portalLinkUrl, verifyPortalLinkToken } from '../../../functions/app/portal/links.js';
import { runDunning } from '../../../functions/app/run-dunning.js';
import { sendStatements } from '../../../functions/app/statements.js';
import { handleWorkMessage } from '../../../functions/app/work-messages.js';
import type { Settings } from '../../../functions/domain/billing-types.js';
import { memoryDeps, type MemoryDeps } from '../../fakes/memory-ports.js';
import { client, reference, settings } from '../../support/builders.js';
import { issuedInvoice } from '../../support/invoices.js';

const KEY = 'portal-key';
const BASE = 'https://portal.msp.example';

async function run(portal: Settings['portal'], wired: boolean): Promise<MemoryDeps> {
  const base = memoryDeps();
  const deps: MemoryDeps = wired ? { ...base, portal: { baseUrl: BASE, linkKey: () => Promise.resolve(KEY) } } : base;
  await deps.ledger.saveReferenceData(reference({ clients: [client()], settings: settings(portal ? { portal } : {}) }));
  await deps.ledger.issueNumberedInvoice(issuedInvoice({ number: 'INV-2025-000001', total: '100.00' }), []);
  await deps.ledger.issueNumberedInvoice(
    issuedInvoice({ number: 'INV-2025-000002', period: '2025-02', total: '50.00' }),
    [],
  );
  await deliverInvoice(deps, { number: 'INV-2025-000001' });
  await voidInvoice(deps, {
    invoiceNumber: 'INV-2025-000002',
    reason: 'Billed twice',
    today: '2025-02-05',
    by: 'test',
  });
  await runDunning(deps, { today: '2025-03-10' });
  await sendStatements(deps, { asOf: '2025-03-11' });
  await deps.workQueue.drain(WorkMessageSchema, (m) => handleWorkMessage(deps, m));
  return deps;
}

const kinds = async (deps: MemoryDeps) => (await deps.ledger.sentLog()).map((e) => e.kind).sort();

describe('portal links in emails', () => {
  it('every invoice, credit note, dunning and statement email carries the client link in both parts', async () => {
    const deps = await run({ linkDays: 30 }, true);
    expect(await kinds(deps)).toEqual(['credit_note', 'dunning', 'invoice', 'statement']);
    const log = await deps.ledger.sentLog();
    for (const [i, sent] of deps.mailer.sent.entries()) {
      const entry = log.find((e) => e.messageId === sent.messageId)!;
      const mail = await simpleParser(sent.raw);
      const expected = portalLinkUrl(
        BASE,
        KEY,
        'C001',
        emailLinkExpiry(settings({ portal: { linkDays: 30 } }), entry.date),
      );
      expect(mail.text, `${entry.kind} text (${i})`).toContain(expected);
      expect(mail.html || '', `${entry.kind} html`).toContain(`href="${expected.replace(/&/g, '&amp;')}"`);
      // Just above the signature, in the text part.
      expect(mail.text!.indexOf(expected)).toBeLessThan(mail.text!.lastIndexOf('Acme IT'));
    }
  });

  it('a link in an email dated D works through D + linkDays (UTC) and no longer', async () => {
    const on = settings({ portal: { linkDays: 30 } });
    const expiry = emailLinkExpiry(on, '2025-02-01');
    expect(expiry.toISOString()).toBe('2025-03-04T00:00:00.000Z');
    const url = new URL(portalLinkUrl(BASE, KEY, 'C001', expiry));
    const t = url.searchParams.get('t')!;
    expect(verifyPortalLinkToken(KEY, 'C001', t, new Date('2025-03-03T23:59:59Z')).ok).toBe(true);
    expect(verifyPortalLinkToken(KEY, 'C001', t, new Date('2025-03-04T00:00:00Z')).ok).toBe(false);
  });

  it('without portal in trueup.json, or without the portal wired, every email is byte for byte the same', async () => {
    const plain = await run(undefined, false);
    const unwired = await run({ linkDays: 30 }, false);
    const offButWired = await run(undefined, true);
    const raws = (deps: MemoryDeps) => deps.mailer.sent.map((m) => m.raw);
    expect(raws(plain)).toHaveLength(4);
    expect(raws(unwired)).toEqual(raws(plain));
    expect(raws(offButWired)).toEqual(raws(plain));
    expect(raws(plain).join('\n')).not.toContain('/portal/');
  });
});

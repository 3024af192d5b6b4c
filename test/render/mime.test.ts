import { simpleParser, type HeaderValue } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { EmailContent } from '../../functions/render/email-content.js';
import { invoiceEmail } from '../../functions/render/emails.js';
import { renderInvoicePdf } from '../../functions/render/invoice-pdf.js';
import { buildMime } from '../../functions/render/mime.js';
import { clientSender } from '../../functions/app/send-email.js';
import { settings } from '../support/builders.js';
import { CLIENT, MSP, sampleView } from './sample.js';

const INJECTED = 'Evil Corp\r\nBcc: attacker@evil.example';

/** The header block of a raw message, unfolded: one entry per header. */
function headerLines(raw: Buffer): string[] {
  const head = raw.toString('latin1').split('\r\n\r\n')[0] ?? '';
  return head.replace(/\r\n[ \t]/g, ' ').split('\r\n');
}

async function invoiceMessage(
  clientName = CLIENT.name,
  mspName = MSP.msp.name,
): Promise<{ raw: Buffer; pdf: Buffer; content: EmailContent }> {
  const view = sampleView(6, { client: { name: clientName }, settings: { msp: { ...MSP.msp, name: mspName } } });
  const pdf = await renderInvoicePdf(view);
  const content = invoiceEmail(view, pdf);
  const raw = await buildMime({
    from: MSP.msp.email,
    to: [...CLIENT.billingEmails],
    content,
    date: '2025-02-01',
    messageKey: 'invoice#OSP-2025-000001',
  });
  return { raw, pdf, content };
}

describe('buildMime', () => {
  it('builds a message with text and HTML parts and the PDF attached', async () => {
    const { raw, pdf, content } = await invoiceMessage();
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe(content.subject);
    expect(mail.text?.trim()).toBe(content.text.trim());
    expect(mail.html).toBe(content.html);
    expect(mail.attachments).toHaveLength(1);
    const attachment = mail.attachments[0];
    expect(attachment?.filename).toBe('OSP-2025-000001.pdf');
    expect(attachment?.contentType).toBe('application/pdf');
    expect(attachment?.content.equals(pdf)).toBe(true);
    expect(mail.from?.value.map((a) => a.address)).toEqual(['billing@osprey.example']);
    const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
    expect(to.flatMap((t) => t.value.map((a) => a.address))).toEqual(['ap@brouwer.example', 'finance@brouwer.example']);
  });

  it('writes the idempotency key, a deterministic Message-ID and the date at 09:00 UTC', async () => {
    const { raw } = await invoiceMessage();
    const mail = await simpleParser(raw);
    expect(mail.headers.get('x-trueup-key') as HeaderValue).toBe('invoice#OSP-2025-000001');
    expect(headerLines(raw)).toContain('X-TrueUp-Key: invoice#OSP-2025-000001');
    expect(mail.messageId).toMatch(/^<[0-9a-f]{32}@osprey\.example>$/);
    expect(mail.date?.toISOString()).toBe('2025-02-01T09:00:00.000Z');
    const other = await buildMime({
      from: MSP.msp.email,
      to: ['a@b.example'],
      content: { subject: 's', text: 't', html: '<p>h</p>', attachments: [] },
      date: '2025-02-01',
      messageKey: 'invoice#OSP-2025-000002',
    });
    expect((await simpleParser(other)).messageId).not.toBe(mail.messageId);
  });

  it('gives identical bytes for the same input', async () => {
    const a = await invoiceMessage();
    const b = await invoiceMessage();
    expect(a.raw.equals(b.raw)).toBe(true);
  });

  it('does not let a name with CR LF add a header', async () => {
    const { raw } = await invoiceMessage(INJECTED, INJECTED);
    const mail = await simpleParser(raw);
    expect(mail.bcc).toBeUndefined();
    expect(mail.headers.has('bcc')).toBe(false);
    expect(headerLines(raw).some((l) => /^bcc:/i.test(l))).toBe(false);
    expect(mail.subject).toBe(
      'Invoice OSP-2025-000001 from Evil Corp Bcc: attacker@evil.example — EUR 1025.31 due 2025-02-08',
    );
  });

  it('refuses a from or to that is not one email address', () => {
    const content = { subject: 's', text: 't', html: 'h', attachments: [] };
    expect(() =>
      buildMime({
        from: 'billing@osprey.example\r\nBcc: a@evil.example',
        to: ['ap@brouwer.example'],
        content,
        date: '2025-02-01',
        messageKey: 'k',
      }),
    ).toThrow(/from is not one email address/);
    expect(() =>
      buildMime({
        from: 'billing@osprey.example',
        to: ['ap@brouwer.example\r\nBcc: b@evil.example'],
        content,
        date: '2025-02-01',
        messageKey: 'k',
      }),
    ).toThrow(/to is not one email address/);
    expect(() =>
      buildMime({
        from: 'billing@osprey.example',
        to: ['a@x.example, b@y.example'],
        content,
        date: '2025-02-01',
        messageKey: 'k',
      }),
    ).toThrow(/to is not one/);
  });

  it('accepts a display name on an address', async () => {
    const raw = await buildMime({
      from: 'Osprey Networks, B.V. <billing@osprey.example>',
      to: ['ap@brouwer.example'],
      content: { subject: 's', text: 't', html: 'h', attachments: [] },
      date: '2025-02-01',
      messageKey: 'k',
    });
    expect((await simpleParser(raw)).from?.value).toEqual([
      { name: 'Osprey Networks, B.V.', address: 'billing@osprey.example' },
    ]);
  });

  it('does not let a subject, key or file name with CR LF add a header', async () => {
    const raw = await buildMime({
      from: 'billing@osprey.example',
      to: ['ap@brouwer.example'],
      content: {
        subject: `Hi\r\nBcc: c@evil.example`,
        text: 't',
        html: '<p>h</p>',
        attachments: [
          {
            filename: 'x\r\nBcc: d@evil.example.csv',
            contentType: 'text/csv\r\nBcc: e@evil.example',
            content: 'a,b\r\n',
          },
        ],
      },
      date: '2025-02-01',
      messageKey: `k\r\nBcc: f@evil.example`,
    });
    const text = raw.toString('latin1');
    expect(text).not.toMatch(/(^|\r\n)bcc:/i);
    const mail = await simpleParser(raw);
    expect(mail.bcc).toBeUndefined();
    expect(mail.subject).toBe('Hi Bcc: c@evil.example');
  });

  it('rejects a date that is not YYYY-MM-DD', () => {
    expect(() =>
      buildMime({
        from: 'a@b.example',
        to: [],
        content: { subject: '', text: '', html: '', attachments: [] },
        date: '2025-2-1',
        messageKey: 'k',
      }),
    ).toThrow(/YYYY-MM-DD/);
  });
});

describe('the sender display name (msp.senderName)', () => {
  it('is the From of client emails when set, the bare address otherwise', async () => {
    expect(clientSender(settings())).toBe('billing@acme-it.example');
    const named = clientSender(settings({ msp: { ...settings().msp, senderName: 'Acme IT' } }));
    expect(named).toBe('"Acme IT" <billing@acme-it.example>');
    const raw = (
      await buildMime({
        from: named,
        to: ['ap@c.example'],
        content: { subject: 's', text: 't', html: '<p>t</p>', attachments: [] },
        date: '2025-02-01',
        messageKey: 'k',
      })
    ).toString('latin1');
    expect(raw).toMatch(/^From: Acme IT <billing@acme-it\.example>\r?$/m);
  });
});

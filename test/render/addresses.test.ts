/**
 * The reference files accept an email address only if the mailer sends it as that one plain
 * address: built into a message by nodemailer's composer (functions/render/mime.ts) and parsed
 * back as SES and mail clients do (mailparser), the address comes back unchanged.
 */
import fc from 'fast-check';
import { simpleParser, type AddressObject } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { isEmail } from '../../functions/domain/reference/cell-schemas.js';
import {
  formatProblems,
  parseClients,
  parseSettings,
  type ParseResult,
} from '../../functions/domain/reference/index.js';
import { buildMime } from '../../functions/render/mime.js';

const ENCODED = `=?utf-8?b?${Buffer.from('a, b').toString('base64')}?=@acme.example`; // "a, b"

const problems = (result: ParseResult<unknown>): string => (result.ok ? '' : formatProblems(result.problems));

async function roundTrip(address: string): Promise<{ from: string[]; to: string[] }> {
  const raw = await buildMime({
    from: address,
    to: [address],
    content: { subject: 's', text: 't', html: '<p>t</p>', attachments: [] },
    date: '2025-01-01',
    messageKey: 'k',
  });
  const mail = await simpleParser(raw);
  const addresses = (field: AddressObject | AddressObject[] | undefined): string[] =>
    [field ?? []].flat().flatMap((f) => f.value.map((v) => v.address ?? ''));
  return { from: addresses(mail.from), to: addresses(mail.to) };
}

describe('addresses the mailer cannot send as they are', () => {
  it('an encoded word is decoded by the reading side into other text', async () => {
    expect((await roundTrip(ENCODED)).from).not.toEqual([ENCODED]);
  });

  it('is refused as msp.email, as a report recipient and as a client billing email', () => {
    expect(
      problems(parseSettings(JSON.stringify({ msp: { email: ENCODED }, reports: { recipients: [ENCODED] } }))),
    ).toBe(
      [
        `trueup.json, setting msp.email: must be a plain email address like ap@client.example (got ${JSON.stringify(ENCODED)}): "=?" starts an encoded word (RFC 2047), which mail servers decode into other text`,
        `trueup.json, setting reports.recipients[0]: must be a plain email address like ap@client.example (got ${JSON.stringify(ENCODED)}): "=?" starts an encoded word (RFC 2047), which mail servers decode into other text`,
      ].join('\n'),
    );
    expect(
      problems(
        parseClients(`client_id,name,billing_email,currency\nC1,One,ok@x.example;=?utf-8?q?x?=@x.example,USD\n`),
      ),
    ).toMatch(
      /^clients\.csv line 2, column billing_email: must be a plain email address .* \(got "=\?utf-8\?q\?x\?=@x\.example"\)/,
    );
  });

  it('every address isEmail accepts comes back unchanged from the composer and a parser', async () => {
    // Single characters, plus the pieces of an encoded word so that some are generated whole.
    const piece = fc.oneof(
      fc.constantFrom(..."aZ09.!#$%&'*+/=?^_`{|}~-"),
      fc.constantFrom('=?utf-8?q?', '=?us-ascii?b?', 'YQ==', 'a=2C_b', '?='),
    );
    const local = fc.array(piece, { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));
    await fc.assert(
      fc.asyncProperty(local, fc.constantFrom('x.example', 'mail.x-y.example'), async (name, domain) => {
        const address = `${name}@${domain}`;
        fc.pre(isEmail(address));
        expect(await roundTrip(address)).toEqual({ from: [address], to: [address] });
      }),
      { numRuns: 200 },
    );
  });
});

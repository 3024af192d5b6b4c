/**
 * The portal link in the client's emails (docs/portal.md): one paragraph added to an email
 * already built (invoice, credit note, dunning, statement), in both parts, just above the
 * signature, so every kind carries it the same way and each builder stays as it was.
 */
import type { Settings } from '../../domain/billing-types.js';
import type { EmailContent } from '../email-content.js';
import { p, signature } from '../emails.js';
import { escapeHtml as e } from '../escape.js';
import { formatsFor, localeOf } from '../format.js';

/** Where layout() (emails.ts) closes the message body and opens its footer row. */
const FOOTER_ROW = '\n</td></tr>\n<tr><td style="padding:16px 28px;background:#f9fafb;';

export function withPortalLink(
  content: EmailContent,
  settings: Settings,
  link: { readonly url: string; readonly expiresOn: string },
): EmailContent {
  const until = formatsFor(localeOf(settings)).date(link.expiresOn);
  const sentence = 'See your invoices, credit notes, payments and balance online';
  const textBlock = `${sentence} (this link works until ${until}):\n${link.url}\n\n`;
  const sign = signature(settings);
  const text = content.text.endsWith(sign)
    ? `${content.text.slice(0, content.text.length - sign.length)}${textBlock}${sign}`
    : `${content.text}\n\n${textBlock}`;
  const htmlBlock = p(
    `<a class="portal" href="${e(link.url)}" style="color:#1d4ed8;font-weight:bold">${e(sentence)}</a> <span style="color:#6b7280">(this link works until ${e(until)})</span>`,
  );
  const at = content.html.lastIndexOf(FOOTER_ROW);
  const html =
    at >= 0
      ? `${content.html.slice(0, at)}\n${htmlBlock}${content.html.slice(at)}`
      : content.html.replace(/<\/body>/i, `${htmlBlock}</body>`);
  return { ...content, text, html };
}

/**
 * Portal links in the client's emails (docs/portal.md): every invoice, credit note, dunning and
 * statement email gets the client's link, when `portal` is set in trueup.json and the portal is
 * wired (deps.portal with a base URL); otherwise the email is returned untouched, byte for byte.
 *
 * The link's lifetime runs from the email's date, not the clock: a link in an email dated D works
 * until the end of day D + `portal.linkDays` (UTC), so a re-run, a retry and `simulate` write the
 * same message, and the date printed in the email is the day the link stops.
 */
import type { IsoDate } from '../../domain/dates.js';
import { addDays } from '../../domain/dates.js';
import type { Settings } from '../../domain/billing-types.js';
import type { EmailContent } from '../../render/email-content.js';
import { withPortalLink } from '../../render/portal/email-link.js';
import type { Deps } from '../deps.js';
import { DEFAULT_LINK_DAYS, portalLinkUrl } from './links.js';

/** When the link of an email dated `date` stops: the start of day `date + linkDays + 1`, UTC. */
export function emailLinkExpiry(settings: Settings, date: IsoDate): Date {
  const days = settings.portal?.linkDays ?? DEFAULT_LINK_DAYS;
  return new Date(`${addDays(date, days + 1)}T00:00:00Z`);
}

export async function addPortalLink(
  deps: Pick<Deps, 'portal'>,
  settings: Settings,
  clientId: string,
  date: IsoDate,
  content: EmailContent,
): Promise<EmailContent> {
  const base = deps.portal?.baseUrl;
  if (!settings.portal || !deps.portal || base === undefined || base === '') return content;
  const url = portalLinkUrl(base, await deps.portal.linkKey(), clientId, emailLinkExpiry(settings, date));
  return withPortalLink(content, settings, { url, expiresOn: addDays(date, settings.portal.linkDays) });
}

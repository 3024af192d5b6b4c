/** What the renderers hand to the mailer: a subject, both body parts and the attachments. */
import type { Dec } from '../domain/money.js';
import type { Client, Invoice, Logo, Settings } from '../domain/billing-types.js';

export interface EmailAttachment {
  filename: string;
  contentType: string;
  content: Buffer | string;
  /** Set for an inline image referenced from the HTML part as `cid:<cid>`. */
  cid?: string;
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
  attachments: EmailAttachment[];
}

/** An invoice with everything needed to render it. */
export interface InvoiceView {
  invoice: Invoice;
  client: Client;
  settings: Settings;
  paid: Dec;
  balance: Dec;
  status: string;
  /** per true_up/credit line: used vs contracted, keyed by sku */
  usage?: Record<string, { used: Dec; contracted: Dec }>;
  /** The MSP's logo (reference data), when `msp.logo` is set. */
  logo?: Logo;
  /** A draft held for review (docs/review.md): watermarked DRAFT, no number yet. */
  draft?: boolean;
  /** The invoice's Pay link (pay-links.ts `payLinkFor`), when payments are on and wired. */
  payUrl?: string;
}

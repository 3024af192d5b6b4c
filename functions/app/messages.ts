/**
 * The queue messages' contract, in one place: the zod schema of each message's JSON body, its
 * type (`z.infer`) and the constructor producers use. The work queue carries `issue_invoice`
 * (a planned invoice with its reserved number), `deliver_invoice` and `deliver_email`; the
 * discrepancy queue carries `discrepancy`. The Lambda workers (Powertools parser) and the
 * embedded runtime's drains parse every body with these same schemas.
 */
import { z } from 'zod';
import type { IsoDate } from '../domain/dates.js';
import type { Discrepancy } from '../domain/reconcile-period.js';
import { encode } from './codec.js';

const text = z.string().min(1);
/** A JSON object as codec.encode writes it (Dec fields as decimal strings), revived by its consumer. */
const JsonObject = z.record(z.string(), z.unknown());

export const IssueInvoiceMessageSchema = z.object({
  type: z.literal('issue_invoice'),
  number: text,
  /** The invoice draft. */
  draft: JsonObject,
  /** The late fees the invoice bills. */
  lateFees: z.array(JsonObject),
  /**
   * used vs contracted (decimal strings) by sku, for the invoice's true-up and credit lines, as
   * the plan carries them; absent in messages of plans stored before it carried them.
   */
  usage: z.record(z.string(), z.object({ used: z.string(), contracted: z.string() })).optional(),
  /** What claims the invoice instead of (client, period): `charge#<id>` for a charge's own invoice. */
  claim: text.optional(),
  /**
   * The discrepancies the invoice's lines carry (`line` 1-based): closed billed or credited once
   * it is issued, by `by` (the pipeline when absent). Absent when there are none.
   */
  closes: z
    .array(
      z.object({
        id: text,
        status: z.enum(['billed', 'credited']),
        line: z.number().int().positive(),
        by: text.optional(),
      }),
    )
    .optional(),
});
export type IssueInvoiceMessage = z.infer<typeof IssueInvoiceMessageSchema>;

export const DeliverInvoiceMessageSchema = z.object({ type: z.literal('deliver_invoice'), number: text });
export type DeliverInvoiceMessage = z.infer<typeof DeliverInvoiceMessageSchema>;

/** `key`: the outbox key of a recorded email. */
export const DeliverEmailMessageSchema = z.object({ type: z.literal('deliver_email'), key: text });
export type DeliverEmailMessage = z.infer<typeof DeliverEmailMessageSchema>;

/**
 * A draft held for review (docs/review.md) to render with its DRAFT watermark into
 * `drafts/<period>/<client>.*`: its plan entry and where it stands.
 */
export const RenderDraftMessageSchema = z.object({
  type: z.literal('render_draft'),
  period: z.string().regex(/^\d{4}-\d{2}$/),
  clientId: text,
  entry: IssueInvoiceMessageSchema.pick({ draft: true, lateFees: true, usage: true }),
  status: z.enum(['pending', 'held']),
  holdReason: z.string().optional(),
});
export type RenderDraftMessage = z.infer<typeof RenderDraftMessageSchema>;

export const WorkMessageSchema = z.discriminatedUnion('type', [
  DeliverInvoiceMessageSchema,
  DeliverEmailMessageSchema,
  IssueInvoiceMessageSchema,
  RenderDraftMessageSchema,
]);
export type WorkMessage = z.infer<typeof WorkMessageSchema>;

/**
 * A discrepancy as JSON. Checked by its key fields, but passed on whole and in the order sent
 * (the record side of the intersection), so that the stored item is the discrepancy as queued.
 */
const DiscrepancyJsonSchema = z.intersection(
  JsonObject,
  z.looseObject({ id: text, type: text, period: z.string(), currency: z.string() }),
);

export const DiscrepancyMessageSchema = z.object({
  type: z.literal('discrepancy'),
  openedOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  discrepancy: DiscrepancyJsonSchema,
});
export type DiscrepancyMessage = z.infer<typeof DiscrepancyMessageSchema>;

export function issueInvoiceMessage(
  number: string,
  entry: Pick<IssueInvoiceMessage, 'draft' | 'lateFees' | 'usage' | 'claim' | 'closes'>,
): IssueInvoiceMessage {
  return {
    type: 'issue_invoice',
    number,
    draft: entry.draft,
    lateFees: entry.lateFees,
    ...(entry.usage ? { usage: entry.usage } : {}),
    ...(entry.claim ? { claim: entry.claim } : {}),
    ...(entry.closes?.length ? { closes: entry.closes } : {}),
  };
}

export function deliverEmailMessage(key: string): DeliverEmailMessage {
  return { type: 'deliver_email', key };
}

/** The discrepancy in its JSON form (Dec fields as decimal strings): the same body JSON.stringify sent before. */
export function discrepancyMessage(openedOn: IsoDate, discrepancy: Discrepancy): DiscrepancyMessage {
  return {
    type: 'discrepancy',
    openedOn,
    discrepancy: JSON.parse(encode(discrepancy)) as DiscrepancyMessage['discrepancy'],
  };
}

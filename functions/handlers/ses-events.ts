/**
 * SES configuration-set events via SNS: a bounced or complained-about message is recorded, and
 * a bounced dunning email no longer counts as sent (its step can go out again).
 */
import { SnsSchema } from '@aws-lambda-powertools/parser/schemas/sns';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { deps, logger, metrics } from './runtime.js';

const SesEvent = z
  .object({
    eventType: z.string().optional(),
    notificationType: z.string().optional(),
    mail: z.object({ messageId: z.string() }),
  })
  .passthrough();

export const handler = async (event: unknown, context: Context): Promise<{ bounced: number }> => {
  logger.addContext(context);
  let bounced = 0;
  for (const record of SnsSchema.parse(event).Records) {
    const parsed = SesEvent.safeParse(JSON.parse(record.Sns.Message));
    if (!parsed.success) {
      logger.warn('not an SES event', { messageId: record.Sns.MessageId });
      continue;
    }
    const type = parsed.data.eventType ?? parsed.data.notificationType ?? 'unknown';
    if (type === 'Bounce') {
      const entry = await deps.ledger.markBounced(parsed.data.mail.messageId);
      if (entry) bounced += 1;
      logger.warn('email bounced', { messageId: parsed.data.mail.messageId, key: entry?.key });
    } else if (type === 'Complaint') {
      logger.warn('email complaint', { messageId: parsed.data.mail.messageId });
    }
    metrics.addMetric(`Email${type}`, 'Count', 1);
  }
  metrics.publishStoredMetrics();
  return { bounced };
};

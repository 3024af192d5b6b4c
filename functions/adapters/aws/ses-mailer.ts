/** Mailer on SES SendRawEmail (MIME built by nodemailer's composer in functions/render). */
import { SendRawEmailCommand, type SESClient } from '@aws-sdk/client-ses';
import type { Mailer } from '../../app/ports.js';

export class SesMailer implements Mailer {
  constructor(
    private readonly ses: SESClient,
    private readonly configurationSet?: string,
  ) {}

  async sendRaw(input: { from: string; to: readonly string[]; raw: Buffer }): Promise<string> {
    const out = await this.ses.send(
      new SendRawEmailCommand({
        Source: input.from,
        Destinations: [...input.to],
        RawMessage: { Data: input.raw },
        ConfigurationSetName: this.configurationSet,
      }),
    );
    return out.MessageId ?? '';
  }
}

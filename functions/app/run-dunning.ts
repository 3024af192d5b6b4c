/**
 * The daily dunning run (SPEC.md section 7). The decision is the pure `decideDunning`; this
 * records each client's email, its steps and late fees in one transaction, then queues one
 * `deliver_email` message per recorded email: the invoice workers send them under the SES
 * rate limit, so the run stays short however many clients are overdue the same day. A retry
 * first completes any email whose intent was recorded but not sent.
 */
import { decideDunning } from '../domain/decide-dunning.js';
import type { IsoDate } from '../domain/dates.js';
import type { LateFee } from '../domain/types.js';
import { dunningEmail } from '../render/emails.js';
import type { Deps } from './deps.js';
import { requireReference } from './run-billing.js';
import { clientSender, flushOutbox, prepareEmail } from './send-email.js';

export interface DunningResult {
  readonly emails: number;
  readonly lateFees: number;
}

export async function runDunning(deps: Deps, input: { today: IsoDate }): Promise<DunningResult> {
  const reference = await requireReference(deps);
  const from = clientSender(reference.settings);
  await flushOutbox(deps, from);
  const invoices = await deps.ledger.listInvoices({ openOnly: true });
  const decision = decideDunning({
    today: input.today,
    steps: [...reference.settings.dunning.steps],
    clients: [...reference.clients],
    invoices,
    sentSteps: new Map(invoices.map((i) => [i.invoice.number, new Set(i.stepsSent)])),
    lateFeeCharged: new Set(invoices.filter((i) => i.feeCharged).map((i) => i.invoice.number)),
  });
  let emails = 0;
  let lateFees = 0;
  const recordedKeys: string[] = [];
  for (const email of decision.emails) {
    const key = `dunning#${email.clientId}#${input.today}`;
    if (await deps.ledger.getOutbox(key)) continue;
    const client = reference.clients.find((c) => c.clientId === email.clientId);
    if (!client) continue;
    const entry = await prepareEmail(deps, {
      key, kind: 'dunning', date: input.today, from, to: email.to,
      content: dunningEmail({ settings: reference.settings, client, date: input.today, items: email.items }),
      invoices: email.items.map((i) => ({ number: i.invoiceNumber, step: i.step })),
    });
    const fees: LateFee[] = email.items.filter((i) => i.lateFee !== undefined).map((i) => ({
      invoiceNumber: i.invoiceNumber, clientId: email.clientId, currency: i.currency, amount: i.lateFee!, step: i.step, chargedOn: input.today,
    }));
    const recorded = await deps.ledger.recordDunning(email.items.map((i) => ({ invoiceNumber: i.invoiceNumber, step: i.step })), fees, entry);
    if (!recorded) continue; // a concurrent run recorded it; it sends it
    recordedKeys.push(key);
    emails += 1;
    lateFees += fees.length;
  }
  await deps.workQueue.send(recordedKeys.map((key) => ({ id: `email#${key}`, body: { type: 'deliver_email', key } })));
  return { emails, lateFees };
}

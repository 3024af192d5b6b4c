/**
 * Renders a draft held for review (docs/review.md) into the artifacts bucket,
 * `drafts/<period>/<client>.{json,html,pdf}`: the invoice as it would be, watermarked DRAFT,
 * without a number. Run by the invoice workers (`render_draft` messages of the billing run), so
 * the billing run renders no PDF itself. Rewriting a draft's files gives the same bytes.
 */
import { Dec } from '../domain/money.js';
import type { InvoiceView } from '../render/email-content.js';
import { renderInvoiceHtml } from '../render/invoice-html.js';
import { renderInvoicePdf } from '../render/invoice-pdf.js';
import { draftKey, type PlanEntry } from './bucket-layout.js';
import { reviveInvoice } from './codec.js';
import type { UseCaseDeps } from './deps.js';
import { invoiceJson } from './invoice-json.js';
import type { RenderDraftMessage } from './messages.js';
import type { ReferenceDataStore } from './ports.js';

export async function renderDraft(
  deps: UseCaseDeps<ReferenceDataStore, 'artifacts' | 'log'>,
  message: RenderDraftMessage,
): Promise<void> {
  const reference = await deps.ledger.loadReferenceData();
  const client = reference?.clients.find((c) => c.clientId === message.clientId);
  if (!reference || !client) {
    deps.log.warn('draft not rendered: its client is not in the reference data', { clientId: message.clientId });
    return;
  }
  const invoice = reviveInvoice({ ...message.entry.draft, number: '' });
  const view: InvoiceView = {
    invoice,
    client,
    settings: reference.settings,
    paid: new Dec(0),
    balance: invoice.total,
    status: 'Draft',
    usage: revivedUsage(message.entry.usage),
    draft: true,
    ...(reference.logo ? { logo: reference.logo } : {}),
  };
  const {
    number: _number,
    status: _status,
    balance: _balance,
    ...json
  } = invoiceJson({ invoice, payments: [] }, invoice.issueDate);
  const state = {
    status: message.status,
    ...(message.holdReason === undefined ? {} : { holdReason: message.holdReason }),
  };
  const key = (kind: 'json' | 'html' | 'pdf'): string => draftKey(message.period, message.clientId, kind);
  await deps.artifacts.put(key('json'), JSON.stringify({ draft: state, ...json }, null, 1), 'application/json');
  await deps.artifacts.put(key('html'), renderInvoiceHtml(view), 'text/html; charset=utf-8');
  await deps.artifacts.put(key('pdf'), await renderInvoicePdf(view), 'application/pdf');
}

function revivedUsage(usage: PlanEntry['usage']): Record<string, { used: Dec; contracted: Dec }> {
  const out: Record<string, { used: Dec; contracted: Dec }> = {};
  for (const [sku, u] of Object.entries(usage ?? {}))
    out[sku] = { used: new Dec(u.used), contracted: new Dec(u.contracted) };
  return out;
}

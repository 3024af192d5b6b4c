/**
 * deliverInvoice on the in-memory ports (no JVM): it renders the invoice's JSON, HTML and PDF
 * and emails it once; a redelivery after the reference data changed rewrites nothing.
 */
import { describe, expect, it } from 'vitest';
import { deliverInvoice } from '../../functions/app/deliver-invoice.js';
import { client, reference } from '../support/builders.js';
import { issuedInvoice } from '../support/invoices.js';
import { memoryDeps } from '../fakes/memory-ports.js';

describe('deliverInvoice (in memory)', () => {
  it('stores the rendered invoice and emails it with its PDF, once', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(reference());
    await deps.ledger.issueNumberedInvoice(issuedInvoice(), []);

    await deliverInvoice(deps, { number: 'INV-2025-000001' });
    await deliverInvoice(deps, { number: 'INV-2025-000001' });

    expect(await deps.artifacts.list('invoices/')).toEqual([
      'invoices/INV-2025-000001.html',
      'invoices/INV-2025-000001.json',
      'invoices/INV-2025-000001.pdf',
    ]);
    expect(JSON.parse(deps.artifacts.text('invoices/INV-2025-000001.json') ?? '{}')).toMatchObject({
      number: 'INV-2025-000001',
      total: '100.00',
    });
    expect(deps.mailer.sent).toHaveLength(1);
    expect(deps.mailer.sent[0]?.to).toEqual(['ap@c1.example']);
    expect(deps.mailer.sent[0]?.raw).toMatch(/Content-Type: application\/pdf;[^]*filename="?INV-2025-000001\.pdf/);
  });

  it('does not rewrite an invoice whose email is recorded when the client is renamed', async () => {
    const deps = memoryDeps();
    await deps.ledger.saveReferenceData(reference());
    await deps.ledger.issueNumberedInvoice(issuedInvoice(), []);
    await deliverInvoice(deps, { number: 'INV-2025-000001' });
    const html = deps.artifacts.text('invoices/INV-2025-000001.html');

    await deps.ledger.saveReferenceData(reference({ clients: [client({ name: 'Renamed Client' })] }));
    await deliverInvoice(deps, { number: 'INV-2025-000001' });

    expect(html).toContain('Client One');
    expect(deps.artifacts.text('invoices/INV-2025-000001.html')).toBe(html);
    expect(deps.mailer.sent).toHaveLength(1);
  });
});

/**
 * The console's router on the in-memory ports: every page renders the ledger's data (escaped),
 * unknown paths are 404, a viewer reads but cannot act, a POST without its user's CSRF token
 * or from another origin is refused and changes nothing, and each action changes the ledger
 * through the audited use cases and records who did it.
 */
import { describe, expect, it } from 'vitest';
import { ADMIN, ask, consoleData, drain, follow, get, KEY, post, USAGE_CSV, VIEWER } from './fixture.js';
import { csrfToken } from '../../../functions/app/console/forms.js';
import { CONSOLE_ASSETS } from '../../../functions/render/console/assets.js';

describe('console pages', () => {
  it('renders each page with the data, secure headers and no inline script or style', async () => {
    const deps = await consoleData();
    const pages: [string, string[]][] = [
      ['/', ['2025-01', 'Drafts awaiting review', 'Open discrepancies']],
      ['/discrepancies', ['under_billed', 'missing_usage', 'C001']],
      ['/drafts', ['Drafts of 2025-01', 'Client &lt;Two&gt;', 'Approve selected']],
      ['/invoices', ['Invoices']],
      ['/credit-notes', ['Credit notes']],
      ['/payments', ['Unapplied payments queue']],
      ['/aging', ['Aging as of 2025-02-03']],
      ['/usage', ['ms-2025-01.csv', 'partly rejected', 'Upload and ingest']],
      ['/settings', ['invoice.review', 'hold']],
      ['/audit', ['Audit log']],
    ];
    for (const [path, texts] of pages) {
      const response = await ask(deps, get(path));
      expect(response.status, path).toBe(200);
      for (const text of texts) expect(response.body, `${path}: ${text}`).toContain(text);
      expect(response.body, path).not.toContain('Client <Two>');
      expect(response.body, path).not.toMatch(/<script>|<style|style="/);
      expect(response.headers['content-security-policy'], path).toContain("script-src 'self'");
      expect(response.headers['x-frame-options']).toBe('DENY');
      for (const asset of CONSOLE_ASSETS) expect(response.body, path).toContain(`"${asset.path}"`);
    }
  });

  it('answers 404 for unknown pages, invoices and lines, and 405 for other methods', async () => {
    const deps = await consoleData();
    expect((await ask(deps, get('/nope'))).status).toBe(404);
    expect((await ask(deps, get('/invoices/INV-0'))).status).toBe(404);
    expect((await ask(deps, get('/invoices/INV-0/lines/1'))).status).toBe(404);
    expect((await ask(deps, post('/nope', []))).status).toBe(404);
    expect((await ask(deps, { ...get('/'), method: 'DELETE' })).status).toBe(405);
  });

  it("shows a file's rejected rows with their reasons", async () => {
    const deps = await consoleData();
    const usage = await ask(deps, get('/usage'));
    const href = /href="(\/usage\/rejected\?[^"]+)"/.exec(usage.body)?.[1]?.replace(/&amp;/g, '&');
    expect(href).toBeDefined();
    const url = new URL(href!, 'http://x');
    const page = await ask(deps, get(url.pathname, Object.fromEntries(url.searchParams)));
    expect(page.body).toContain('oops');
  });
});

describe('console actions', () => {
  it('refuses a viewer (403) and shows no action forms, changing nothing', async () => {
    const deps = await consoleData();
    const drafts = await ask(deps, get('/drafts'), VIEWER);
    expect(drafts.body).not.toContain('Approve selected');
    expect(drafts.body).toContain('read-only');
    const response = await ask(
      deps,
      post(
        '/drafts/approve',
        [
          ['period', '2025-01'],
          ['all', '1'],
        ],
        VIEWER,
      ),
      VIEWER,
    );
    expect(response.status).toBe(403);
    expect((await deps.ledger.listDrafts('2025-01')).map((d) => d.status)).toEqual(['pending', 'pending', 'pending']);
    expect(await deps.ledger.listAudit()).toEqual([]);
  });

  it("refuses a POST without the user's CSRF token, or from another origin", async () => {
    const deps = await consoleData();
    const missing = {
      ...post('/drafts/approve', [
        ['period', '2025-01'],
        ['all', '1'],
      ]),
    };
    const noToken = { ...missing, body: missing.body.replace(/^csrf=[^&]*&/, '') };
    const otherUser = { ...missing, body: missing.body.replace(/^csrf=[^&]*/, `csrf=${csrfToken(KEY, 'mallory')}`) };
    const otherKey = { ...missing, body: missing.body.replace(/^csrf=[^&]*/, `csrf=${csrfToken('other', ADMIN.id)}`) };
    for (const request of [noToken, otherUser, otherKey]) expect((await ask(deps, request)).status).toBe(403);
    const crossSite = post(
      '/drafts/approve',
      [
        ['period', '2025-01'],
        ['all', '1'],
      ],
      ADMIN,
      { origin: 'https://evil.example' },
    );
    expect((await ask(deps, crossSite)).status).toBe(403);
    expect((await deps.ledger.listDrafts('2025-01')).map((d) => d.status)).toEqual(['pending', 'pending', 'pending']);
    const sameSite = post(
      '/drafts/approve',
      [
        ['period', '2025-01'],
        ['client', 'C002'],
      ],
      ADMIN,
      { origin: 'http://console.test' },
    );
    expect((await ask(deps, sameSite)).status).toBe(303);
  });

  it('approves drafts: numbers taken, invoices sent to issue, audit recorded, a flash shown', async () => {
    const deps = await consoleData();
    const response = await ask(
      deps,
      post('/drafts/approve', [
        ['period', '2025-01'],
        ['client', 'C001'],
        ['client', 'C003'],
      ]),
    );
    expect(response.status).toBe(303);
    expect(response.headers.location).toMatch(/^\/drafts\?period=2025-01&flash=/);
    const page = await follow(deps, response);
    expect(page.body).toContain('Approved 2 draft(s) of 2025-01: INV-2025-000001, INV-2025-000002.');
    expect(page.body).toContain('role="status"');
    await drain(deps);
    expect((await deps.ledger.listInvoices()).map((i) => [i.invoice.number, i.invoice.clientId])).toEqual([
      ['INV-2025-000001', 'C001'],
      ['INV-2025-000002', 'C003'],
    ]);
    const audit = await deps.ledger.listAudit();
    // One `at` for both: listed in key order, so compared as a set.
    expect(audit.map((e) => [e.actor.id, e.actor.via, e.action, e.subject]).sort()).toEqual([
      ['ann', 'console', 'drafts.approve', 'INV-2025-000001'],
      ['ann', 'console', 'drafts.approve', 'INV-2025-000002'],
    ]);
    // The issued invoice, its true-up line, and the vendor rows behind it.
    const invoice = await ask(deps, get('/invoices/INV-2025-000001'));
    const lineLink = /href="(\/invoices\/INV-2025-000001\/lines\/(\d+))"/.exec(invoice.body);
    expect(lineLink).not.toBeNull();
    const rows = await ask(deps, get(lineLink![1]!));
    expect(rows.status).toBe(200);
    expect(rows.body).toContain('ms-2025-01.csv');
    expect(rows.body).toMatch(
      /<td class="num">2<\/td><td><span class="mono">[0-9a-f]{12}…<\/span><\/td><td>microsoft<\/td><td>T1<\/td><td>seat-sku<\/td><td>2025-01-20<\/td><td class="num">12<\/td>/,
    );
    expect(rows.body).toContain('Vendor rows (1)');
    const c003 = await ask(deps, get('/invoices', { q: 'C003' }));
    expect(c003.body).toContain('INV-2025-000002');
    expect(c003.body).not.toContain('INV-2025-000001');
    // A forged flash (not signed by the console) is not shown.
    const forged = await ask(deps, get('/drafts', { flash: 'Pay to IBAN X', kind: 'ok', sig: 'x' }));
    expect(forged.body).not.toContain('Pay to IBAN X');
  });

  it('follows up discrepancies in bulk with a note, bills one, and records each', async () => {
    const deps = await consoleData();
    const all = await deps.ledger.listDiscrepancies();
    const missing = all.filter((d) => d.type === 'missing_usage').map((d) => d.id);
    const under = all.find((d) => d.type === 'under_billed')!;
    expect(missing).toHaveLength(2);
    const resolved = await ask(
      deps,
      post('/discrepancies/action', [
        ...missing.map((id): [string, string] => ['id', id]),
        ['action', 'resolve'],
        ['note', 'usage <arrives> late'],
        ['back', '/discrepancies?status=open'],
      ]),
    );
    expect(resolved.status).toBe(303);
    expect(resolved.headers.location).toMatch(/^\/discrepancies\?status=open&flash=/);
    expect((await follow(deps, resolved)).body).toContain('2 discrepancies resolved');
    const billed = await ask(
      deps,
      post('/discrepancies/action', [
        ['id', under.id],
        ['action', 'bill'],
      ]),
    );
    expect((await follow(deps, billed)).body).toContain('1 discrepancy billed on the next invoice');
    const after = new Map((await deps.ledger.listDiscrepancies()).map((d) => [d.id, d]));
    for (const id of missing)
      expect([after.get(id)?.status, after.get(id)?.note, after.get(id)?.by]).toEqual([
        'resolved',
        'usage <arrives> late',
        'ann',
      ]);
    expect((await deps.ledger.listCharges()).map((c) => c.chargeId)).toEqual([`bill-${under.id}`]);
    const audit = await deps.ledger.listAudit();
    expect(audit.map((e) => e.action).sort()).toEqual([
      'discrepancy.bill',
      'discrepancy.resolve',
      'discrepancy.resolve',
    ]);
    expect(audit.find((e) => e.action === 'discrepancy.resolve')?.detail).toBe('usage <arrives> late');
    const page = await ask(deps, get('/audit'));
    expect(page.body).toContain('usage &lt;arrives&gt; late');
    // A closed one is refused with the reason, as the CLI refuses it.
    await ask(
      deps,
      post('/discrepancies/action', [
        ['id', missing[0]!],
        ['action', 'dismiss'],
      ]),
    );
    const refused = await ask(
      deps,
      post('/discrepancies/action', [
        ['id', 'NOPE'],
        ['action', 'dismiss'],
      ]),
    );
    const shown = await follow(deps, refused);
    expect(shown.body).toContain('No discrepancy with id NOPE');
    expect(shown.body).toContain('role="alert"');
  });

  it('uploads a usage file (multipart), ingests it and records it; a second upload is a duplicate', async () => {
    const deps = await consoleData();
    const boundary = '----trueup';
    const csv = 'vendor,account_id,vendor_sku,quantity,usage_date\nmicrosoft,T1,seat-sku,3,2025-02-02\n';
    const body = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="csrf"',
      '',
      csrfToken(KEY, ADMIN.id),
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="feb.csv"',
      'Content-Type: text/csv',
      '',
      csv,
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const request = {
      method: 'POST',
      path: '/usage/upload',
      query: {},
      headers: { host: 'console.test', 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    };
    const first = await follow(deps, await ask(deps, request));
    expect(first.body).toContain('feb.csv (canonical): 1 read, 1 accepted, 0 rejected, 0 duplicate.');
    expect(deps.usage.text('inbox/feb.csv')).toBe(csv);
    const again = await follow(deps, await ask(deps, { ...request, body: body.replace('feb.csv', 'feb-copy.csv') }));
    expect(again.body).toContain('feb-copy.csv is a duplicate of feb.csv');
    expect((await deps.ledger.listAudit()).map((e) => [e.action, e.subject]).sort()).toEqual([
      ['usage.upload', 'feb-copy.csv'],
      ['usage.upload', 'feb.csv'],
    ]);
    expect(USAGE_CSV).toContain('oops');
  });
});

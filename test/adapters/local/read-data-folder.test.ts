import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import {
  MAX_DATA_FILE_BYTES,
  readDataFolder,
  type DataFolder,
  type DataFolderResult,
} from '../../../functions/adapters/local/read-data-folder.js';
import { formatProblems, type Problem } from '../../../functions/domain/reference/index.js';

const CONFORMANCE = resolve(import.meta.dirname, '../../fixtures/conformance/data');
const EXAMPLE = resolve(import.meta.dirname, '../../../examples/acme-it');

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'trueup-data-folder-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let counter = 0;
/** A copy of the conformance folder to change. */
async function copyOfConformance(): Promise<string> {
  const dir = join(scratch, `case-${++counter}`);
  await cp(CONFORMANCE, dir, { recursive: true });
  return dir;
}

function valueOf(result: DataFolderResult): DataFolder {
  if (!result.ok) throw new Error(`expected a valid folder, got:\n${formatProblems(result.problems)}`);
  return result.value;
}

function problemsOf(result: DataFolderResult): readonly Problem[] {
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

const utf16le = (text: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const utf16be = (text: string): Buffer => {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1] as number, le[i] as number];
  return Buffer.concat([Buffer.from([0xfe, 0xff]), le]);
};
const utf8bom = (text: string): Buffer => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);

describe('readDataFolder: the conformance data folder', () => {
  let folder: DataFolder;
  beforeAll(async () => {
    folder = valueOf(await readDataFolder(CONFORMANCE));
  });

  it('loads with the expected counts', () => {
    const r = folder.reference;
    expect([
      r.clients.length,
      r.accounts.length,
      r.products.length,
      r.skuMap.length,
      r.agreements.length,
      folder.payments.length,
    ]).toEqual([11, 19, 6, 8, 33, 38]);
  });

  it('reads the settings, dunning steps and late fees', () => {
    const { settings } = folder.reference;
    expect(settings).toMatchObject({
      timezone: 'Europe/Dublin',
      currency: 'GBP',
      invoice: { prefix: 'OSP', paymentTermsDays: 14, recurringTiming: 'arrears' },
      reports: { agingWeekday: 5 },
    });
    expect(
      settings.dunning.steps.map((s) => [
        s.name,
        s.offsetDays,
        s.lateFee?.percent.toFixed(),
        s.lateFee?.minimum.toFixed(),
      ]),
    ).toEqual([
      ['friendly', -5, undefined, undefined],
      ['due_today', 0, undefined, undefined],
      ['late', 10, '2', '10'],
      ['last_call', 21, undefined, undefined],
    ]);
  });

  it.each([
    ['K-001', { paymentTermsDays: 7, dunning: 'standard', currency: 'EUR' }],
    ['K-004', { paymentTermsDays: 14, dunning: 'standard', currency: 'EUR' }],
    ['K-005', { name: 'Client 5 & Sons', dunning: 'none' }],
    ['K-007', { paymentTermsDays: 7, dunning: 'none', currency: 'KWD' }],
  ])('reads client %s', (id, expected) => {
    expect(folder.reference.clients.find((c) => c.clientId === id)).toMatchObject(expected);
  });

  it('reads tax rates as exact decimals', () => {
    expect(folder.reference.clients.find((c) => c.clientId === 'K-006')?.taxRate.toFixed()).toBe('5.5');
  });

  it('reads the cost_plus agreement A-1-cloud', () => {
    const a = folder.reference.agreements.find((x) => x.agreementId === 'A-1-cloud');
    expect(a).toMatchObject({
      clientId: 'K-001',
      sku: 'CLOUD',
      pricing: 'cost_plus',
      startDate: '2024-06-01',
      billingFrequency: 'monthly',
      trueUp: 'bill',
    });
    expect(a?.markupPercent.toFixed()).toBe('12.5');
  });

  it('reads sku-map factors, the wildcard and default 1', () => {
    expect(folder.reference.skuMap.map((m) => `${m.vendor}/${m.vendorSku}→${m.sku}×${m.factor.toFixed()}`)).toContain(
      'aws/*→CLOUD×1',
    );
    expect(folder.reference.skuMap.find((m) => m.vendorSku === 'hrs-min')?.factor.toFixed()).toBe('0.0166666667');
  });

  it('reads payments, negative refunds included, in file order', () => {
    expect(folder.payments[0]).toMatchObject({
      paymentId: 'PM-OSP-2025-000001',
      invoiceNumber: 'OSP-2025-000001',
      currency: 'EUR',
      receivedOn: '2025-02-05',
    });
    expect(folder.payments.find((p) => p.paymentId === 'PM-OSP-2025-000020')?.amount.toFixed()).toBe('-361');
  });

  it('lists the usage files as sorted absolute paths', () => {
    expect(folder.usageFiles).toEqual(
      ['cur2.csv', 'pax8.csv', 'rmm-export.csv'].map((name) => join(CONFORMANCE, 'usage', name)),
    );
  });
});

describe('readDataFolder: the example folder', () => {
  it('loads without problems', async () => {
    const folder = valueOf(await readDataFolder(EXAMPLE));
    expect(folder.reference.clients.length).toBeGreaterThan(0);
    expect(folder.usageFiles.every((path) => path.startsWith(join(EXAMPLE, 'usage')))).toBe(true);
  });
});

describe('readDataFolder: encodings', () => {
  it.each([
    ['UTF-8 with BOM', utf8bom],
    ['UTF-16 LE with BOM', utf16le],
    ['UTF-16 BE with BOM', utf16be],
  ])('reads every file saved as %s', async (_name, encode) => {
    const dir = await copyOfConformance();
    for (const name of [
      'trueup.json',
      'clients.csv',
      'accounts.csv',
      'products.csv',
      'sku-map.csv',
      'agreements.csv',
      'payments/payments.csv',
    ]) {
      const text = (await readFile(join(dir, name), 'utf8')).replace(/\n/g, '\r\n');
      await writeFile(join(dir, name), encode(text));
    }
    const expected = valueOf(await readDataFolder(CONFORMANCE));
    const actual = valueOf(await readDataFolder(dir));
    expect(JSON.stringify(actual.reference)).toBe(JSON.stringify(expected.reference));
    expect(JSON.stringify(actual.payments)).toBe(JSON.stringify(expected.payments));
  });

  it('keeps non-ASCII names from UTF-16', async () => {
    const dir = await copyOfConformance();
    const clients = await readFile(join(dir, 'clients.csv'), 'utf8');
    await writeFile(join(dir, 'clients.csv'), utf16le(clients.replace('Client 1 GmbH', 'Müller & Söhne GmbH')));
    expect(valueOf(await readDataFolder(dir)).reference.clients[0]?.name).toBe('Müller & Söhne GmbH');
  });

  it('reports a Windows-1252 byte as a problem on its line and column', async () => {
    const dir = await copyOfConformance();
    const clients = Buffer.from(
      (await readFile(join(dir, 'clients.csv'), 'utf8')).replace('Client 3 Ltd', 'M\u0000ller Ltd'),
      'latin1',
    );
    clients[clients.indexOf(0)] = 0xfc; // "ü" in Windows-1252, not valid UTF-8
    await writeFile(join(dir, 'clients.csv'), clients);
    const [problem] = problemsOf(await readDataFolder(dir));
    expect(problem).toMatchObject({ file: 'clients.csv', line: 4, column: 'name' });
    expect(problem?.reason).toMatch(/not valid UTF-8/);
  });
});

describe('readDataFolder: problems', () => {
  it('reports a missing required file and still checks the others', async () => {
    const dir = await copyOfConformance();
    await rm(join(dir, 'accounts.csv'));
    await writeFile(join(dir, 'products.csv'), 'sku,name,unit,aggregation\nX,X,u,median\n');
    const problems = problemsOf(await readDataFolder(dir));
    expect(problems.map((p) => `${p.file} ${p.line ?? ''} ${p.column ?? ''}`.trim())).toEqual(
      expect.arrayContaining(['accounts.csv', 'products.csv 2 aggregation']),
    );
    // The agreements and sku-map naming products that are no longer there are reported too.
    expect(problems.some((p) => p.file === 'agreements.csv' && p.column === 'sku')).toBe(true);
  });

  it('reports invalid JSON in trueup.json with its position', async () => {
    const dir = await copyOfConformance();
    await writeFile(join(dir, 'trueup.json'), '{\n  "currency": "GBP",\n  "timezone": "Europe/Dublin",\n}\n');
    const problems = problemsOf(await readDataFolder(dir));
    expect(problems).toHaveLength(1);
    expect(formatProblems(problems)).toMatch(/^trueup\.json line 4: is not valid JSON: .* \(line 4, character 1\)$/);
  });

  it('uses every default without trueup.json', async () => {
    const dir = await copyOfConformance();
    await rm(join(dir, 'trueup.json'));
    const folder = valueOf(await readDataFolder(dir));
    expect(folder.reference.settings.currency).toBe('USD');
    expect(folder.reference.clients.find((c) => c.clientId === 'K-004')?.paymentTermsDays).toBe(30);
  });

  it('reports a folder that does not exist', async () => {
    const missing = join(scratch, 'nope');
    expect(formatProblems(problemsOf(await readDataFolder(missing)))).toBe(
      `${missing}: is not a folder (it does not exist or is a file)`,
    );
  });

  it('refuses a reference or payments file too big to read whole, before reading any file', async () => {
    // Prepare: sparse files (no disk used) one byte over the limit.
    const dir = await copyOfConformance();
    await truncate(join(dir, 'clients.csv'), MAX_DATA_FILE_BYTES + 1);
    await writeFile(join(dir, 'payments', 'huge.csv'), '');
    await truncate(join(dir, 'payments', 'huge.csv'), 3 * 1024 ** 3);
    // Act
    const problems = problemsOf(await readDataFolder(dir));
    // Assess
    expect(formatProblems(problems)).toBe(
      [
        'clients.csv: is 64.1 MB: a reference, settings or payments file is read whole, so it must be at most 64 MB (split payments into several payments/*.csv files)',
        'payments/huge.csv: is 3072 MB: a reference, settings or payments file is read whole, so it must be at most 64 MB (split payments into several payments/*.csv files)',
      ].join('\n'),
    );
  });

  it('lists problems of payments files with their folder', async () => {
    const dir = await copyOfConformance();
    await writeFile(
      join(dir, 'payments', 'extra.csv'),
      'payment_id,invoice_number,amount,currency,received_on\nX1,OSP-1,1e3,GBP,2025-01-01\n',
    );
    expect(formatProblems(problemsOf(await readDataFolder(dir)))).toBe(
      'payments/extra.csv line 2, column amount: must be a decimal number (got "1e3"): write it without exponent notation',
    );
  });
});

describe('readDataFolder: folder layout', () => {
  it('matches file names case-insensitively', async () => {
    const dir = await copyOfConformance();
    await cp(join(dir, 'clients.csv'), join(dir, 'Clients.CSV'));
    await rm(join(dir, 'clients.csv'));
    expect(valueOf(await readDataFolder(dir)).reference.clients).toHaveLength(11);
  });

  it('reads every payments/*.csv in name order, keeping the first of a repeated payment_id', async () => {
    const dir = await copyOfConformance();
    const header = 'payment_id,invoice_number,amount,currency,received_on\n';
    await writeFile(join(dir, 'payments', 'a-early.csv'), `${header}PM-A,OSP-1,5,GBP,2025-01-01\n`);
    await writeFile(
      join(dir, 'payments', 'z-late.csv'),
      `${header}PM-Z,OSP-2,6,GBP,2025-01-02\nPM-A,OSP-1,5,GBP,2025-01-01\n`,
    );
    await writeFile(join(dir, 'payments', 'notes.txt'), 'not a payments file');
    await writeFile(join(dir, 'payments', '.hidden.csv'), 'garbage');
    const result = await readDataFolder(dir);
    const ids = valueOf(result).payments.map((p) => p.paymentId);
    expect([ids[0], ids.at(-1), ids.length]).toEqual(['PM-A', 'PM-Z', 40]);
    expect(result.ok && formatProblems(result.warnings)).toBe(
      'payments/z-late.csv line 3, column payment_id: duplicate payment_id "PM-A": already on payments/a-early.csv line 2; this row is ignored',
    );
  });

  it('lists usage files sorted, skipping hidden files, lock files and folders', async () => {
    const dir = await copyOfConformance();
    await writeFile(join(dir, 'usage', '.DS_Store'), '');
    await writeFile(join(dir, 'usage', '~$cur2.csv'), '');
    await writeFile(join(dir, 'usage', 'a-first.ndjson'), '');
    await mkdir(join(dir, 'usage', 'archive'));
    expect(valueOf(await readDataFolder(dir)).usageFiles).toEqual(
      ['a-first.ndjson', 'cur2.csv', 'pax8.csv', 'rmm-export.csv'].map((name) => join(dir, 'usage', name)),
    );
  });

  it('works without payments and usage folders', async () => {
    const dir = await copyOfConformance();
    await rm(join(dir, 'payments'), { recursive: true });
    await rm(join(dir, 'usage'), { recursive: true });
    const folder = valueOf(await readDataFolder(dir));
    expect([folder.payments, folder.usageFiles]).toEqual([[], []]);
  });

  it('resolves a relative folder to absolute usage paths', async () => {
    const folder = valueOf(await readDataFolder(relative(process.cwd(), CONFORMANCE)));
    expect(folder.usageFiles[0]).toBe(join(CONFORMANCE, 'usage', 'cur2.csv'));
  });
});

describe('readDataFolder: the logo (msp.logo)', () => {
  const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  const SVG =
    '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n';

  async function withLogo(logo: string, file?: { name: string; bytes: Buffer | string }): Promise<DataFolderResult> {
    const dir = await copyOfConformance();
    const settings = JSON.parse(await readFile(join(dir, 'trueup.json'), 'utf8')) as { msp?: Record<string, unknown> };
    await writeFile(join(dir, 'trueup.json'), JSON.stringify({ ...settings, msp: { ...settings.msp, logo } }));
    if (file) {
      await mkdir(join(dir, file.name, '..'), { recursive: true });
      await writeFile(join(dir, file.name), file.bytes);
    }
    return readDataFolder(dir);
  }

  it('stores a PNG or SVG logo with the reference data, as base64', async () => {
    const png = valueOf(await withLogo('brand/logo.png', { name: 'brand/logo.png', bytes: PNG }));
    expect(png.reference.logo).toEqual({
      file: 'brand/logo.png',
      contentType: 'image/png',
      base64: PNG.toString('base64'),
    });
    const svg = valueOf(await withLogo('logo.svg', { name: 'logo.svg', bytes: SVG }));
    expect(svg.reference.logo).toEqual({
      file: 'logo.svg',
      contentType: 'image/svg+xml',
      base64: Buffer.from(SVG).toString('base64'),
    });
  });

  it('has no logo when the setting is absent', async () => {
    expect(valueOf(await readDataFolder(CONFORMANCE)).reference).not.toHaveProperty('logo');
  });

  it.each([
    ['a missing file', 'logo.png', undefined, 'names "logo.png", which is not a file in the data folder'],
    [
      'a file that is not what its name says',
      'logo.png',
      { name: 'logo.png', bytes: SVG },
      'names "logo.png", which is not a PNG image (its first bytes are not the PNG signature)',
    ],
    ['an empty file', 'logo.jpg', { name: 'logo.jpg', bytes: '' }, 'names "logo.jpg", which is empty'],
    [
      'an SVG without <svg>',
      'logo.svg',
      { name: 'logo.svg', bytes: '<html></html>' },
      'names "logo.svg", which is not an SVG image (no <svg> element near its start)',
    ],
    [
      'a file over 256 KB',
      'logo.png',
      { name: 'logo.png', bytes: Buffer.concat([PNG, Buffer.alloc(300 * 1024)]) },
      'names "logo.png", which is 301 KB: a logo must be at most 256 KB',
    ],
  ])('reports %s on the setting, with the file and key', async (_name, logo, file, reason) => {
    expect(problemsOf(await withLogo(logo, file))).toEqual([{ file: 'trueup.json', column: 'msp.logo', reason }]);
  });

  it('reads the example’s PNG logo', async () => {
    const logo = valueOf(await readDataFolder(EXAMPLE)).reference.logo;
    expect(logo?.contentType).toBe('image/png');
    expect(
      Buffer.from(logo?.base64 ?? '', 'base64')
        .subarray(0, 8)
        .equals(PNG.subarray(0, 8)),
    ).toBe(true);
  });
});

describe('readDataFolder: subfolders and links in usage/ and payments/', () => {
  const PAYMENTS_HEADER = 'payment_id,invoice_number,amount,currency,received_on\n';

  it('reads usage and payments files in subfolders, in code-point order of their path under the folder', async () => {
    // Prepare
    const dir = await copyOfConformance();
    await mkdir(join(dir, 'usage', '2025-01', 'deep'), { recursive: true });
    await mkdir(join(dir, 'usage', '2025-02'));
    await mkdir(join(dir, 'usage', '.hidden'));
    for (const name of [
      '2025-01/x.csv',
      '2025-02/x.csv',
      '2025-01/deep/y.csv',
      '2025-01.csv',
      '.hidden/z.csv',
      'Z.csv',
      'é.csv',
    ])
      await writeFile(join(dir, 'usage', name), '');
    await mkdir(join(dir, 'payments', '2025-02'));
    await writeFile(join(dir, 'payments', '2025-02', 'bank.csv'), `${PAYMENTS_HEADER}PM-SUB,OSP-1,5,GBP,2025-02-03\n`);
    await writeFile(join(dir, 'payments', '2025-02', 'notes.txt'), 'not payments');
    // Act
    const folder = valueOf(await readDataFolder(dir));
    // Assess: "." (2E) sorts before "/" (2F), upper case before lower case, "é" last
    expect(folder.usage.map((file) => file.name)).toEqual([
      '2025-01.csv',
      '2025-01/deep/y.csv',
      '2025-01/x.csv',
      '2025-02/x.csv',
      'Z.csv',
      'cur2.csv',
      'pax8.csv',
      'rmm-export.csv',
      'é.csv',
    ]);
    expect(folder.usage.map((file) => file.path)).toEqual(
      folder.usage.map((file) => join(dir, 'usage', ...file.name.split('/'))),
    );
    expect(folder.usageFiles).toEqual(folder.usage.map((file) => file.path));
    expect(folder.payments.find((p) => p.paymentId === 'PM-SUB')).toMatchObject({
      invoiceNumber: 'OSP-1',
      receivedOn: '2025-02-03',
    });
  });

  it('names a payments file in a subfolder by its path in problems', async () => {
    const dir = await copyOfConformance();
    await mkdir(join(dir, 'payments', '2025-02'));
    await writeFile(
      join(dir, 'payments', '2025-02', 'bank.csv'),
      `${PAYMENTS_HEADER}PM-SUB,OSP-1,five,GBP,2025-02-03\n`,
    );
    expect(formatProblems(problemsOf(await readDataFolder(dir)))).toMatch(
      /^payments\/2025-02\/bank\.csv line 2, column amount: /,
    );
  });

  it('refuses links that lead outside the data folder, broken links and loops, naming each', async () => {
    // Prepare
    const dir = await copyOfConformance();
    const outside = join(scratch, `outside-${counter}`);
    await mkdir(outside);
    await writeFile(join(outside, 'secret.csv'), 'root:x:0:0:root:/root:/bin/bash\n');
    await symlink('/etc/passwd', join(dir, 'usage', 'passwd.csv'));
    await symlink(outside, join(dir, 'usage', 'elsewhere'));
    await symlink(join(outside, 'secret.csv'), join(dir, 'payments', 'secret.csv'));
    await symlink(join(dir, 'usage', 'missing.csv'), join(dir, 'usage', 'broken.csv'));
    await mkdir(join(dir, 'usage', 'sub'));
    await symlink('..', join(dir, 'usage', 'sub', 'up'));
    await symlink(dir, join(dir, 'payments', 'root'));
    // Act
    const problems = problemsOf(await readDataFolder(dir));
    // Assess
    const real = await realpath(outside);
    expect(formatProblems(problems).split('\n').sort()).toEqual([
      `payments/root: is a link to a folder that is read already (${await realpath(dir)}): a loop or the same files twice; remove the link`,
      `payments/secret.csv: is a link to ${join(real, 'secret.csv')}, outside the data folder: TrueUp reads only what is inside it (copy the files in instead)`,
      'usage/broken.csv: is a symbolic link to nothing (its target does not exist)',
      `usage/elsewhere: is a link to ${real}, outside the data folder: TrueUp reads only what is inside it (copy the files in instead)`,
      'usage/passwd.csv: is a link to /etc/passwd, outside the data folder: TrueUp reads only what is inside it (copy the files in instead)',
      `usage/sub/up: is a link to a folder that is read already (${await realpath(join(dir, 'usage'))}): a loop or the same files twice; remove the link`,
    ]);
    expect(JSON.stringify(problems)).not.toContain('root:x:0:0');
  });

  it('refuses a usage/ folder that is a link to a folder outside the data folder', async () => {
    const dir = await copyOfConformance();
    const outside = join(scratch, `outside-usage-${counter}`);
    await cp(join(dir, 'usage'), outside, { recursive: true });
    await rm(join(dir, 'usage'), { recursive: true });
    await symlink(outside, join(dir, 'usage'));
    expect(problemsOf(await readDataFolder(dir))).toEqual([
      { file: 'usage', reason: expect.stringMatching(/^is a link to .+, outside the data folder/) },
    ]);
  });

  it('reads links that stay inside the data folder', async () => {
    const dir = await copyOfConformance();
    await mkdir(join(dir, 'exports'));
    await writeFile(join(dir, 'exports', 'feb.csv'), '');
    await symlink(join(dir, 'exports'), join(dir, 'usage', 'linked'));
    await symlink('../exports/feb.csv', join(dir, 'usage', 'feb-link.csv'));
    expect(valueOf(await readDataFolder(dir)).usage.map((file) => file.name)).toEqual([
      'cur2.csv',
      'feb-link.csv',
      'linked/feb.csv',
      'pax8.csv',
      'rmm-export.csv',
    ]);
  });
});

describe('readDataFolder: approvals.csv (hold mode, docs/review.md)', () => {
  async function holdFolder(approvals: string, review = 'hold'): Promise<string> {
    const dir = await copyOfConformance();
    const settings = JSON.parse(await readFile(join(dir, 'trueup.json'), 'utf8')) as { invoice: object };
    settings.invoice = { ...settings.invoice, review };
    await writeFile(join(dir, 'trueup.json'), JSON.stringify(settings));
    await writeFile(join(dir, 'approvals.csv'), approvals);
    return dir;
  }

  it('reads approvals and holds, and none without the file', async () => {
    expect(valueOf(await readDataFolder(await copyOfConformance())).approvals).toEqual([]);
    const dir = await holdFolder(
      'date,period,client_id,hold_reason\n2025-02-03,2025-01,K-003,PO\n2025-02-04,2025-01,*,\n',
    );
    expect(valueOf(await readDataFolder(dir)).approvals).toEqual([
      { line: 2, date: '2025-02-03', period: '2025-01', clientId: 'K-003', holdReason: 'PO' },
      { line: 3, date: '2025-02-04', period: '2025-01', clientId: '*' },
    ]);
  });

  it('names the file, line and column of each wrong row, before anything runs', async () => {
    const dir = await holdFolder(
      'date,period,client_id\n2025-02-31,2025-01,K-001\n2025-01-20,2025-01,K-001\n2025-02-04,2025-13,K-001\n2025-02-04,2025-01,K-404\n',
    );
    expect(problemsOf(await readDataFolder(dir)).map((p) => `${p.file}:${p.line}:${p.column} ${p.reason}`)).toEqual([
      'approvals.csv:2:date is not a real calendar date (got "2025-02-31")',
      'approvals.csv:3:date is before the billing run of 2025-01 (2025-02-01), which makes its drafts (got "2025-01-20")',
      'approvals.csv:4:period must be a billing period written YYYY-MM (got "2025-13")',
    ]);
    expect(
      problemsOf(await readDataFolder(await holdFolder('date,period,client_id\n2025-02-04,2025-01,K-404\n'))).map(
        (p) => `${p.file}:${p.line}:${p.column} ${p.reason}`,
      ),
    ).toEqual(['approvals.csv:2:client_id names no client of clients.csv (got "K-404")']);
  });

  it('refuses approvals when invoices are not held for review', async () => {
    const dir = await holdFolder('date,period,client_id\n2025-02-04,2025-01,*\n', 'auto');
    expect(problemsOf(await readDataFolder(dir)).map((p) => p.reason)).toEqual([
      expect.stringContaining('does not hold invoices for review'),
    ]);
  });
});

describe('readDataFolder: charges.csv', () => {
  it('is optional: without it there are no charges', async () => {
    expect(valueOf(await readDataFolder(CONFORMANCE)).charges).toEqual([]);
  });

  it('reads the charges, and rejects a bad row with file, line and column before anything runs', async () => {
    const dir = await copyOfConformance();
    const header = 'charge_id,client_id,date,description,quantity,unit_price,sku,taxable';
    await writeFile(join(dir, 'Charges.csv'), `${header}\nFW-1,K-006,2025-02-15,Firewall,2,149.99,HRS,false\n`);
    expect(valueOf(await readDataFolder(dir)).charges.map((c) => [c.chargeId, c.clientId, c.taxable])).toEqual([
      ['FW-1', 'K-006', false],
    ]);
    await writeFile(
      join(dir, 'Charges.csv'),
      `${header}\nFW-1,K-006,2025-02-15,Firewall,2,149.99,HRS,\nFW-1,K-999,2025-02-15,x,1,1,,\n`,
    );
    expect(problemsOf(await readDataFolder(dir)).map((p) => [p.file, p.line, p.column])).toEqual([
      ['Charges.csv', 3, 'charge_id'],
      ['Charges.csv', 3, 'client_id'],
    ]);
  });
});

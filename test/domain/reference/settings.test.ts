import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, formatProblems, parseSettings } from '../../../functions/domain/reference/index.js';
import type { Settings } from '../../../functions/domain/billing-types.js';
import { DEFAULT_ACCOUNTS } from '../../../functions/domain/reference/settings.js';
import { problemsOf, valueOf } from './helpers.js';

/** Settings as plain JSON (Dec → string) for comparison. */
const plain = (settings: Settings): Record<string, unknown> =>
  JSON.parse(JSON.stringify(settings)) as Record<string, unknown>;

const SPEC_DEFAULTS = {
  msp: { name: 'Acme IT', email: 'billing@acme-it.example', address: '1 Main St, Springfield' },
  timezone: 'America/Chicago',
  currency: 'USD',
  invoice: { prefix: 'INV', paymentTermsDays: 30, recurringTiming: 'advance' },
  reports: { recipients: ['billing@acme-it.example'], agingWeekday: 1 },
  dunning: {
    steps: [
      { name: 'reminder', offsetDays: -3 },
      { name: 'due', offsetDays: 0 },
      { name: 'overdue_1', offsetDays: 7 },
      { name: 'overdue_2', offsetDays: 14, lateFee: { percent: '1.5', minimum: '0' } },
      { name: 'final', offsetDays: 30 },
    ],
  },
};

describe('trueup.json defaults', () => {
  it.each([
    ['no file', undefined],
    ['an empty object', '{}'],
    ['empty sections', '{"msp":{},"invoice":{},"reports":{},"dunning":{}}'],
  ])('gives every default of docs/contract.md §2 for %s', (_name, text) => {
    expect(plain(valueOf(parseSettings(text)))).toEqual(SPEC_DEFAULTS);
  });

  it('exports the defaults', () => {
    expect(plain(DEFAULT_SETTINGS)).toEqual(SPEC_DEFAULTS);
  });

  it('merges a partial object key by key', () => {
    const settings = valueOf(
      parseSettings('{"invoice":{"paymentTermsDays":14},"msp":{"name":"Osprey"},"currency":"GBP"}'),
    );
    expect(settings.invoice).toEqual({ prefix: 'INV', paymentTermsDays: 14, recurringTiming: 'advance' });
    expect(settings.msp).toEqual({
      name: 'Osprey',
      email: 'billing@acme-it.example',
      address: '1 Main St, Springfield',
    });
    expect(settings.currency).toBe('GBP');
    expect(settings.dunning.steps).toHaveLength(5);
  });

  it('keeps invoice.creditNotePrefix absent unless set', () => {
    expect('creditNotePrefix' in valueOf(parseSettings('{}')).invoice).toBe(false);
    expect(valueOf(parseSettings('{"invoice":{"creditNotePrefix":"AV"}}')).invoice.creditNotePrefix).toBe('AV');
  });

  it('replaces lists whole', () => {
    const settings = valueOf(
      parseSettings('{"reports":{"recipients":["ar@x.example"]},"dunning":{"steps":[{"name":"only","offsetDays":5}]}}'),
    );
    expect(settings.reports.recipients).toEqual(['ar@x.example']);
    expect(plain(settings).dunning).toEqual({ steps: [{ name: 'only', offsetDays: 5 }] });
  });

  it('accepts a $schema key', () => {
    expect(valueOf(parseSettings('{"$schema":"./trueup.schema.json"}')).currency).toBe('USD');
  });
});

describe('trueup.json dunning steps', () => {
  it('sorts steps by offsetDays and reads lateFee from strings or numbers', () => {
    const settings = valueOf(
      parseSettings(
        JSON.stringify({
          dunning: {
            steps: [
              { name: 'late', offsetDays: 10, lateFee: { percent: 2, minimum: '10' } },
              { name: 'early', offsetDays: -5 },
              { name: 'later', offsetDays: 20, lateFee: { percent: '1.5' } },
            ],
          },
        }),
      ),
    );
    expect(settings.dunning.steps.map((s) => s.name)).toEqual(['early', 'late', 'later']);
    expect(
      settings.dunning.steps.map((s) => s.lateFee && [s.lateFee.percent.toFixed(), s.lateFee.minimum.toFixed()]),
    ).toEqual([undefined, ['2', '10'], ['1.5', '0']]);
  });

  it.each([
    [
      'a repeated name',
      [
        { name: 'a', offsetDays: 0 },
        { name: 'a', offsetDays: 5 },
      ],
      'dunning.steps[1].name: repeats the name of steps[0] (got "a")',
    ],
    [
      'a repeated offset',
      [
        { name: 'a', offsetDays: 0 },
        { name: 'b', offsetDays: 0 },
      ],
      'dunning.steps[1].offsetDays: repeats the offsetDays of steps[0] (got 0)',
    ],
    [
      'a fractional offset',
      [{ name: 'a', offsetDays: 1.5 }],
      'dunning.steps[0].offsetDays: must be a whole number from -3650 to 3650 (got 1.5)',
    ],
    ['a missing name', [{ offsetDays: 1 }], 'dunning.steps[0].name: must be a string (got nothing)'],
    [
      'a negative fee percent',
      [{ name: 'a', offsetDays: 1, lateFee: { percent: '-1' } }],
      'dunning.steps[0].lateFee.percent: must be a decimal number ≥ 0 and ≤ 100 (got "-1")',
    ],
    [
      'an exponent fee minimum',
      [{ name: 'a', offsetDays: 1, lateFee: { percent: '1', minimum: '1e3' } }],
      'dunning.steps[0].lateFee.minimum: must be a decimal number ≥ 0 (got "1e3"): write it without exponent notation',
    ],
    [
      'a boolean fee percent',
      [{ name: 'a', offsetDays: 1, lateFee: { percent: true } }],
      'dunning.steps[0].lateFee.percent: must be a decimal number written as a string like "1.5" (got true)',
    ],
    [
      'an unknown step key',
      [{ name: 'a', offsetDays: 1, fee: 5 }],
      'dunning.steps[0]: has unknown setting "fee" (known here: name, offsetDays, lateFee)',
    ],
  ])('rejects %s', (_name, steps, message) => {
    expect(formatProblems(problemsOf(parseSettings(JSON.stringify({ dunning: { steps } }))))).toBe(
      `trueup.json, setting ${message}`,
    );
  });
});

describe('trueup.json values', () => {
  it.each([
    ['timezone "Europe/Dublin"', { timezone: 'Europe/Dublin' }, (s: Settings) => s.timezone, 'Europe/Dublin'],
    ['timezone "UTC"', { timezone: 'UTC' }, (s: Settings) => s.timezone, 'UTC'],
    [
      'timezone in the wrong case, canonicalized',
      { timezone: 'america/chicago' },
      (s: Settings) => s.timezone,
      'America/Chicago',
    ],
    ['agingWeekday 7', { reports: { agingWeekday: 7 } }, (s: Settings) => s.reports.agingWeekday, 7],
    [
      'recurringTiming arrears',
      { invoice: { recurringTiming: 'arrears' } },
      (s: Settings) => s.invoice.recurringTiming,
      'arrears',
    ],
    [
      'a multi-line address',
      { msp: { address: '1 Main St\nSpringfield' } },
      (s: Settings) => s.msp.address,
      '1 Main St\nSpringfield',
    ],
    ['receipts on', { receipts: { enabled: true } }, (s: Settings) => s.receipts, { enabled: true }],
    ['receipts without enabled (off)', { receipts: {} }, (s: Settings) => s.receipts, { enabled: false }],
    [
      'payments with defaults',
      { payments: {} },
      (s: Settings) => s.payments,
      { provider: 'stripe', methods: ['card', 'us_bank_account'], autoPayOn: 'due_date' },
    ],
    [
      'payments with a public URL (trailing slash dropped) and card only',
      { payments: { publicUrl: 'https://pay.acme-it.example/', methods: ['card'], autoPayOn: 'issue_date' } },
      (s: Settings) => s.payments,
      { provider: 'stripe', methods: ['card'], publicUrl: 'https://pay.acme-it.example', autoPayOn: 'issue_date' },
    ],
    [
      'statements monthly on the 5th',
      { statements: { dayOfMonth: 5 } },
      (s: Settings) => s.statements,
      { dayOfMonth: 5 },
    ],
    ['dunning as statements', { dunning: { statement: true } }, (s: Settings) => s.dunning.statement, true],
    ['no portal section', {}, (s: Settings) => s.portal, undefined],
    ['the portal with defaults', { portal: {} }, (s: Settings) => s.portal, { linkDays: 30 }],
    ['portal links for a week', { portal: { linkDays: 7 } }, (s: Settings) => s.portal, { linkDays: 7 }],
    ['no accounting section', {}, (s: Settings) => s.accounting, undefined],
    [
      'an accounting section with one account given (the rest defaults, trimmed)',
      { accounting: { accountsReceivable: ' 1100 Trade Debtors ' } },
      (s: Settings) => s.accounting,
      { ...DEFAULT_ACCOUNTS, accountsReceivable: '1100 Trade Debtors' },
    ],
    [
      'sales tax accounts per rate, the rates kept in their plain form',
      {
        accounting: { salesTaxPayableByRate: { '8.250': ' 2201 Texas Sales Tax ', '0': '2209 Exempt', '10': '2202' } },
      },
      (s: Settings) => s.accounting?.salesTaxPayableByRate,
      { '8.25': '2201 Texas Sales Tax', '0': '2209 Exempt', '10': '2202' },
    ],
  ])('accepts %s', (_name, json, pick, expected) => {
    expect(pick(valueOf(parseSettings(JSON.stringify(json))))).toEqual(expected);
  });

  it.each([
    [
      'an unknown zone',
      { timezone: 'Mars/Olympus' },
      'timezone: must be an IANA time zone like America/Chicago or Europe/London (got "Mars/Olympus")',
    ],
    [
      'a zone abbreviation',
      { timezone: 'EST' },
      'timezone: must be an IANA time zone like America/Chicago or Europe/London (got "EST")',
    ],
    [
      'an offset',
      { timezone: '+01:00' },
      'timezone: must be an IANA time zone like America/Chicago or Europe/London (got "+01:00")',
    ],
    [
      'a lower-case currency',
      { currency: 'usd' },
      'currency: must be a 3-letter ISO 4217 currency code in capitals like EUR (got "usd") (write USD)',
    ],
    [
      'a 4-letter currency',
      { currency: 'EURO' },
      'currency: must be a 3-letter ISO 4217 currency code in capitals like EUR (got "EURO")',
    ],
    [
      'agingWeekday 0',
      { reports: { agingWeekday: 0 } },
      'reports.agingWeekday: must be a whole number from 1 to 7 (got 0)',
    ],
    [
      'agingWeekday 8',
      { reports: { agingWeekday: 8 } },
      'reports.agingWeekday: must be a whole number from 1 to 7 (got 8)',
    ],
    [
      'agingWeekday as text',
      { reports: { agingWeekday: 'monday' } },
      'reports.agingWeekday: must be a whole number from 1 to 7 (got "monday")',
    ],
    [
      'negative payment terms',
      { invoice: { paymentTermsDays: -1 } },
      'invoice.paymentTermsDays: must be a whole number from 0 to 3650 (got -1)',
    ],
    [
      'payment terms as a string',
      { invoice: { paymentTermsDays: '30' } },
      'invoice.paymentTermsDays: must be a whole number from 0 to 3650 (got "30")',
    ],
    [
      'an unknown timing',
      { invoice: { recurringTiming: 'later' } },
      'invoice.recurringTiming: must be one of advance, arrears (got "later")',
    ],
    [
      'a prefix with a space',
      { invoice: { prefix: 'IN V' } },
      'invoice.prefix: must be 1–20 characters of A–Z, a–z, 0–9, ".", "_" or "-", starting with a letter or digit (got "IN V")',
    ],
    [
      'a credit note prefix with a slash',
      { invoice: { creditNotePrefix: 'CN/' } },
      'invoice.creditNotePrefix: must be 1–20 characters of A–Z, a–z, 0–9, ".", "_" or "-", starting with a letter or digit (got "CN/")',
    ],
    [
      'a bad recipient',
      { reports: { recipients: ['ok@x.example', 'nope'] } },
      'reports.recipients[1]: must be an email address like ap@client.example (got "nope")',
    ],
    [
      'recipients as a string',
      { reports: { recipients: 'a@x.example' } },
      'reports.recipients: must be a list of email addresses (got "a@x.example")',
    ],
    [
      'a bad msp email',
      { msp: { email: 'billing' } },
      'msp.email: must be an email address like ap@client.example (got "billing")',
    ],
    ['a line break in the msp name', { msp: { name: 'Acme\nIT' } }, 'msp.name: must be on one line (got "Acme\\nIT")'],
    [
      'a misspelt key',
      { invoice: { paymentTermDays: 14 } },
      'invoice: has unknown setting "paymentTermDays" (known here: prefix, paymentTermsDays, recurringTiming, paymentInstructions, remitTo, paperSize, review, autoApprove, reviewAlarmDays, creditNotePrefix)',
    ],
    ['a section that is not an object', { invoice: 5 }, 'invoice: must be a JSON object (got 5)'],
    [
      'receipts enabled as text',
      { receipts: { enabled: 'yes' } },
      'receipts.enabled: must be true or false (got "yes")',
    ],
    [
      'a payments URL with a query',
      { payments: { publicUrl: 'https://pay.example/?x=1' } },
      'payments.publicUrl: must be a plain base URL, without user, query or fragment (got "https://pay.example/?x=1")',
    ],
    [
      'no payment methods',
      { payments: { methods: [] } },
      'payments.methods: must list at least one method: clients would have no way to pay',
    ],
    [
      'statements on the 31st',
      { statements: { dayOfMonth: 31 } },
      'statements.dayOfMonth: must be a whole number from 1 to 28 (got 31)',
    ],
    ['an empty account', { accounting: { salesTaxPayable: '  ' } }, 'accounting.salesTaxPayable: must not be empty'],
    [
      'portal links for no days',
      { portal: { linkDays: 0 } },
      'portal.linkDays: must be a whole number from 1 to 365 (got 0)',
    ],
    [
      'a misspelt portal setting',
      { portal: { linkDay: 5 } },
      'portal: has unknown setting "linkDay" (known here: linkDays)',
    ],
    [
      'a misspelt account',
      { accounting: { accountsRecievable: '1200' } },
      'accounting: has unknown setting "accountsRecievable" (known here: accountsReceivable, salesTaxPayable, salesTaxPayableByRate, lateFeeIncome, defaultIncome, undepositedFunds, unappliedCash, clientCredit, surchargeIncome, providerFees, publish)',
    ],
    [
      'a tax rate that is not a percent',
      { accounting: { salesTaxPayableByRate: { '8,25': '2201' } } },
      'accounting.salesTaxPayableByRate.8,25: is not a tax rate: must be a decimal number ≥ 0 and ≤ 100 (got "8,25"): use "." as the decimal point',
    ],
    [
      'a tax rate above 100',
      { accounting: { salesTaxPayableByRate: { '101': '2201' } } },
      'accounting.salesTaxPayableByRate.101: is not a tax rate: must be a decimal number ≥ 0 and ≤ 100 (got "101")',
    ],
    [
      'the same rate written twice',
      { accounting: { salesTaxPayableByRate: { '8.25': '2201', '8.250': '2202' } } },
      'accounting.salesTaxPayableByRate.8.250: names the same rate as "8.25" (8.25%)',
    ],
    [
      'an empty account for a rate',
      { accounting: { salesTaxPayableByRate: { '8.25': ' ' } } },
      'accounting.salesTaxPayableByRate.8.25: must not be empty',
    ],
    [
      'rates as a list',
      { accounting: { salesTaxPayableByRate: ['8.25'] } },
      'accounting.salesTaxPayableByRate: must be a JSON object of rate → account (got ["8.25"])',
    ],
  ])('rejects %s', (_name, json, message) => {
    expect(formatProblems(problemsOf(parseSettings(JSON.stringify(json))))).toBe(`trueup.json, setting ${message}`);
  });

  it('refuses a "__proto__" rate key instead of dropping it', () => {
    const text = '{"accounting":{"salesTaxPayableByRate":{"__proto__":"2201 Tax","8.25":"2202"}}}';
    expect(formatProblems(problemsOf(parseSettings(text)))).toBe(
      'trueup.json, setting accounting.salesTaxPayableByRate.__proto__: is not a tax rate: must be a decimal number ≥ 0 and ≤ 100 (got "__proto__")',
    );
  });

  it.each([
    ['an empty phone', { msp: { phone: '' } }, 'msp.phone: must not be empty'],
    [
      'a logo that is not an image',
      { msp: { logo: 'logo.gif' } },
      'msp.logo: must name a .png, .jpg or .svg file in the data folder (got "logo.gif")',
    ],
    [
      'a logo outside the data folder',
      { msp: { logo: '../brand/logo.png' } },
      'msp.logo: must be a path inside the data folder, like "logo.png" (got "../brand/logo.png")',
    ],
    [
      'an absolute logo path',
      { msp: { logo: '/etc/logo.png' } },
      'msp.logo: must be a path inside the data folder, like "logo.png" (got "/etc/logo.png")',
    ],
    [
      'a sender name with angle brackets',
      { msp: { senderName: 'Acme <IT>' } },
      'msp.senderName: must not contain ", <, > or \\ (got "Acme <IT>")',
    ],
    [
      'a locale without a region',
      { locale: 'en' },
      'locale: must be a locale like en-US, en-GB, de-DE or fr-CA (got "en")',
    ],
    [
      'a locale with an underscore',
      { locale: 'en_US' },
      'locale: must be a locale like en-US, en-GB, de-DE or fr-CA (got "en_US")',
    ],
    [
      'a paper size in lower case',
      { invoice: { paperSize: 'a4' } },
      'invoice.paperSize: must be one of Letter, A4 (got "a4")',
    ],
    [
      'payment instructions with a tab',
      { invoice: { paymentInstructions: 'ACH\t123' } },
      'invoice.paymentInstructions: contains a tab character (got "ACH\\t123")',
    ],
    ['empty remit-to lines', { invoice: { remitTo: ' ' } }, 'invoice.remitTo: must not be empty'],
  ])('rejects %s (client-document settings)', (_name, json, message) => {
    expect(formatProblems(problemsOf(parseSettings(JSON.stringify(json))))).toBe(`trueup.json, setting ${message}`);
  });

  it('reads the client-document settings, leaving them out when absent', () => {
    const settings = valueOf(
      parseSettings(
        JSON.stringify({
          msp: { phone: '+1 214-555-0142', taxId: 'EIN 75-3141592', senderName: ' Acme IT ', logo: 'brand/logo.svg' },
          locale: 'de-de',
          invoice: {
            paymentInstructions: 'ACH 111000025\nSWIFT LSCBUS44',
            remitTo: 'PO Box 1\nDallas, TX',
            paperSize: 'A4',
          },
        }),
      ),
    );
    expect(settings.msp).toEqual({
      name: 'Acme IT',
      email: 'billing@acme-it.example',
      address: '1 Main St, Springfield',
      phone: '+1 214-555-0142',
      taxId: 'EIN 75-3141592',
      senderName: 'Acme IT',
      logo: 'brand/logo.svg',
    });
    expect(settings.locale).toBe('de-DE');
    expect(settings.invoice).toMatchObject({
      paymentInstructions: 'ACH 111000025\nSWIFT LSCBUS44',
      remitTo: 'PO Box 1\nDallas, TX',
      paperSize: 'A4',
    });
    expect(Object.keys(valueOf(parseSettings('{}')))).not.toContain('locale');
  });

  it('rejects an unknown top-level key without a key path', () => {
    expect(formatProblems(problemsOf(parseSettings('{"currnecy":"EUR"}')))).toBe(
      'trueup.json: has unknown setting "currnecy" (known here: msp, timezone, currency, invoice, reports, dunning, receipts, payments, statements, accounting, locale, portal)',
    );
  });

  it('names a value too deeply nested to write out, and cuts a long one, instead of crashing', () => {
    const deep = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`;
    expect(
      formatProblems(
        problemsOf(
          parseSettings(
            `{"msp":${deep},"dunning":{"steps":[${deep}]},"invoice":{"prefix":{"a":"${'x'.repeat(100)}"}}}`,
          ),
        ),
      ),
    ).toBe(
      [
        'trueup.json, setting msp: must be a JSON object (got a list)',
        'trueup.json, setting invoice.prefix: must be a string (got {"a":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…)',
        'trueup.json, setting dunning.steps[0]: must be a JSON object (got a list)',
      ].join('\n'),
    );
  });

  it('reports every problem at once', () => {
    expect(
      problemsOf(parseSettings('{"currency":"x","timezone":"y","reports":{"agingWeekday":9}}')).map((p) => p.column),
    ).toEqual(['timezone', 'currency', 'reports.agingWeekday']);
  });
});

describe('trueup.json: what JSON.parse lets through or misplaces', () => {
  it('rejects a key written twice, naming the key and both lines', () => {
    const text = '{\n  "currency": "EUR",\n  "msp": { "name": "A", "name": "B" },\n  "currency": "GBP"\n}';
    expect(formatProblems(problemsOf(parseSettings(text)))).toBe(
      [
        'trueup.json line 3, setting msp.name: repeats the key "name" already set on line 3: write each setting once',
        'trueup.json line 4, setting currency: repeats the key "currency" already set on line 2: write each setting once',
      ].join('\n'),
    );
  });

  it('tells the same key in two objects from a repeat', () => {
    expect(
      valueOf(parseSettings('{"dunning":{"steps":[{"name":"a","offsetDays":1},{"name":"b","offsetDays":2}]}}')).dunning
        .steps,
    ).toHaveLength(2);
  });

  it.each([
    ['NaN', '{\n  "invoice": {\n    "paymentTermsDays": NaN\n  }\n}', 3, 25],
    ['a bare word', '{\n  "currency":\n    EUR\n}', 3, 5],
    ['a comment', '{\n  "currency": "EUR" // euros\n}', 2, 21],
  ])('reports %s at its real line', (_name, text, line, character) => {
    const [problem, ...rest] = problemsOf(parseSettings(text));
    expect(rest).toEqual([]);
    expect(problem?.line).toBe(line);
    expect(problem?.reason).toMatch(new RegExp(`\\(line ${line}, character ${character}\\)$`));
  });

  it('refuses an empty list of report recipients', () => {
    expect(formatProblems(problemsOf(parseSettings('{"reports":{"recipients":[]}}')))).toBe(
      'trueup.json, setting reports.recipients: must list at least one email address: the reconciliation and aging reports are emailed to them',
    );
  });
});

describe('trueup.json syntax', () => {
  it.each([
    // The middle is V8's wording, which varies between Node versions; the position does not.
    ['a trailing comma', '{\n  "currency": "EUR",\n}', 3, 1],
    ['a missing comma', '{\n  "currency": "EUR"\n  "timezone": "UTC"\n}', 3, 3],
    ['a truncated file', '{\n  "currency": ', 2, 15],
  ])('reports %s with its line and character', (_name, text, line, character) => {
    const [problem, ...rest] = problemsOf(parseSettings(text));
    expect(rest).toEqual([]);
    expect(problem?.line).toBe(line);
    expect(formatProblems(problem ? [problem] : [])).toMatch(
      new RegExp(`^trueup\\.json line ${line}: is not valid JSON: \\S.* \\(line ${line}, character ${character}\\)$`),
    );
  });

  it.each([
    ['[]', 'trueup.json: must be a JSON object (got [])'],
    ['  ', 'trueup.json: is empty: write {} for all defaults, or remove the file'],
  ])('rejects %j', (text, message) => {
    expect(formatProblems(problemsOf(parseSettings(text)))).toBe(message);
  });
});

describe('trueup.json review settings (docs/review.md)', () => {
  it('reads review, autoApprove and reviewAlarmDays, leaving them out when absent', () => {
    expect(Object.keys(valueOf(parseSettings('{}')).invoice)).not.toEqual(
      expect.arrayContaining(['review', 'autoApprove', 'reviewAlarmDays']),
    );
    const s = valueOf(
      parseSettings(
        '{"invoice":{"review":"hold","autoApprove":{"noOpenDiscrepancies":true,"maxChangePercent":"7.5"},"reviewAlarmDays":5}}',
      ),
    );
    expect(plain(s).invoice).toMatchObject({
      review: 'hold',
      autoApprove: { noOpenDiscrepancies: true, maxChangePercent: '7.5' },
      reviewAlarmDays: 5,
    });
    expect(Object.keys(valueOf(parseSettings('{"invoice":{"autoApprove":{}}}')).invoice.autoApprove ?? {})).toEqual([]);
  });

  it('names each wrong review setting with its key path', () => {
    const problems = problemsOf(
      parseSettings(
        '{"invoice":{"review":"later","autoApprove":{"maxChangePercent":"-1","noOpen":true},"reviewAlarmDays":0}}',
      ),
    );
    expect(problems.map((p) => p.column)).toEqual(
      expect.arrayContaining(['invoice.review', 'invoice.autoApprove', 'invoice.reviewAlarmDays']),
    );
    expect(formatProblems(problems)).toContain('must be one of auto, hold (got "later")');
    expect(formatProblems(problems)).toContain('must be a whole number from 1 to 365 (got 0)');
    expect(
      problemsOf(parseSettings('{"invoice":{"autoApprove":{"maxChangePercent":"-1"}}}')).map((p) => p.column),
    ).toEqual(['invoice.autoApprove.maxChangePercent']);
  });
});

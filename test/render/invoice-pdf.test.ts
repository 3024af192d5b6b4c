import { describe, expect, it } from 'vitest';
import { Dec } from '../../functions/domain/money.js';
import type { Settings } from '../../functions/domain/billing-types.js';
import type { InvoiceView } from '../../functions/render/email-content.js';
import { renderInvoicePdf } from '../../functions/render/invoice-pdf.js';
import { pdfPageCount, pdfStreams, pdfText, pdfTextRuns } from './pdf-text.js';
import { MSP, sampleView } from './sample.js';

describe('renderInvoicePdf', () => {
  it('writes a PDF', async () => {
    const pdf = await renderInvoicePdf(sampleView(3));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.subarray(-6).toString('latin1')).toContain('%%EOF');
  });

  it('fits a 3-line invoice on one page and flows a 120-line one onto further pages', async () => {
    const short = await renderInvoicePdf(sampleView(3));
    const long = await renderInvoicePdf(sampleView(120));
    expect(pdfPageCount(short)).toBe(1);
    const pages = pdfPageCount(long);
    expect(pages).toBeGreaterThan(3);
    const runs = pdfTextRuns(long);
    for (let i = 1; i <= pages; i += 1) expect(runs).toContain(`Page ${i} of ${pages}`);
    // The table header is repeated on every page that holds lines (the totals may start a last
    // page of their own), and every line is there.
    expect(runs.filter((r) => r === 'Description').length).toBeGreaterThanOrEqual(pages - 1);
    expect(runs).toContain('Recurring (continued)');
    for (let i = 6; i < 120; i += 1) expect(runs).toContain(`SVC-${String(i).padStart(3, '0')} · February 2025`);
  });

  it('shows the invoice number, client, dates, lines, usage and totals', async () => {
    const view = sampleView(6);
    const runs = pdfTextRuns(await renderInvoicePdf(view));
    expect(runs).toEqual(
      expect.arrayContaining([
        'INVOICE',
        'OSP-2025-000001',
        'Feb 1, 2025',
        'Feb 8, 2025',
        'January 2025',
        'Osprey Networks',
        'Keizersgracht 12',
        '1015 CS Amsterdam, Netherlands',
        'billing@osprey.example',
        'Brouwer & Zonen B.V.',
        'ap@brouwer.example, finance@brouwer.example',
        'Recurring',
        'True-up',
        'Credits',
        'Usage',
        'Late fees',
        '550.00',
        '-9.00',
        '12.83',
        'Subtotal',
        '849.59',
        'Tax 21% on 836.76',
        '175.72',
        'Total',
        'EUR 1,025.31',
        'Amount paid',
        '100.00',
        'Balance due',
        'EUR 925.31',
        'Page 1 of 1',
      ]),
    );
    const text = runs.join('\n');
    expect(text).toContain('usage: 27 used vs 25 contracted (+2)');
    expect(text).toContain('Payment due within 7 days');
    expect(text).toContain('quote invoice number OSP-2025-000001');
  });

  it('gives identical bytes for the same input', async () => {
    const a = await renderInvoicePdf(sampleView(120));
    const b = await renderInvoicePdf(sampleView(120));
    expect(a.equals(b)).toBe(true);
  });

  it('dates the document by the issue date', async () => {
    const pdf = (await renderInvoicePdf(sampleView(3))).toString('latin1');
    expect(pdf).toContain('(D:20250201000000Z)');
    expect(pdf).not.toMatch(/\(D:(?!20250201000000Z)/);
  });

  it('draws a client name with markup as plain text', async () => {
    const runs = pdfTextRuns(await renderInvoicePdf(sampleView(3, { client: { name: '<script>x</script> & Co' } })));
    expect(runs).toContain('<script>x</script> & Co');
  });
});

describe('renderInvoicePdf: client documents', () => {
  const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
  const settingsWith = (invoice: Partial<Settings['invoice']>, rest: Partial<Settings> = {}): Partial<Settings> => ({
    ...rest,
    invoice: { ...MSP.invoice, ...invoice },
  });

  it('prints names in any script: Noto Sans, with Noto Sans JP for what it lacks, embedded and searchable', async () => {
    const pdf = await renderInvoicePdf(sampleView(3, { client: { name: 'Łódź Zahnärzte Čeština 東京' } }));
    expect(pdfText(pdf)).toContain('Łódź Zahnärzte Čeština 東京');
    const raw = pdf.toString('latin1');
    expect(raw).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSans-Regular/);
    expect(raw).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSansJP-Bold/); // the bill-to name is bold
    expect(raw).not.toContain('/Helvetica');
    expect(pdfText(pdf)).not.toContain('could not draw');
  });

  it('embeds only Noto Sans when every character is in it', async () => {
    const raw = (await renderInvoicePdf(sampleView(3))).toString('latin1');
    expect(raw).not.toContain('NotoSansJP');
  });

  it('names the characters neither font has, and draws the rest', async () => {
    const text = pdfText(await renderInvoicePdf(sampleView(3, { client: { name: 'Smile 😀 Dental 東京' } })));
    expect(text).toContain('Smile ');
    expect(text).toContain('東京');
    expect(text).toContain('This PDF could not draw one character (U+1F600)');
  });

  it('writes money with thousands separators and dates in the locale (en-US by default)', async () => {
    const big = sampleView(3, {
      invoice: { subtotal: new Dec('123456.78'), total: new Dec('149382.70'), tax: new Dec('25925.92') },
    });
    const runs = pdfTextRuns(await renderInvoicePdf(big));
    expect(runs).toEqual(expect.arrayContaining(['123,456.78', 'EUR 149,382.70', 'Feb 1, 2025', 'Feb 8, 2025']));
    const british = pdfTextRuns(await renderInvoicePdf(sampleView(3, { settings: { locale: 'en-GB' } })));
    expect(british).toEqual(expect.arrayContaining(['1 Feb 2025', '8 Feb 2025']));
    const german = pdfTextRuns(await renderInvoicePdf(sampleView(3, { settings: { locale: 'de-DE' } })));
    expect(german).toEqual(expect.arrayContaining(['01.02.2025', '550,00']));
  });

  it('states the tax base when late fees are not taxed, and only then', async () => {
    expect(pdfTextRuns(await renderInvoicePdf(sampleView(6)))).toContain('Tax 21% on 836.76');
    expect(pdfTextRuns(await renderInvoicePdf(sampleView(3)))).toContain('Tax 21%');
  });

  it('states a cost-plus line’s cost as rounded money, with the markup once', async () => {
    const view = sampleView(6);
    const lines = view.invoice.lines.map((l) =>
      l.kind === 'usage'
        ? { ...l, description: 'Azure consumption, usage 2025-01 at cost 1024.0899999945 plus 15%' }
        : l,
    );
    const text = pdfText(await renderInvoicePdf({ ...view, invoice: { ...view.invoice, lines } }));
    expect(text).toContain('Azure consumption, usage January 2025 at cost EUR 1,024.09 + 15%');
    expect(text).not.toContain('1024.0899999945');
    expect(text.match(/15%/g)).toHaveLength(1);
    // A description that already names the markup does not get it twice.
    const named = view.invoice.lines.map((l) =>
      l.kind === 'usage'
        ? { ...l, description: 'AWS consumption + 15 %, usage 2025-01 at cost 1024.0899999945 plus 15%' }
        : l,
    );
    const namedText = pdfText(await renderInvoicePdf({ ...view, invoice: { ...view.invoice, lines: named } }));
    expect(namedText).toContain('AWS consumption + 15 %, usage January 2025 at cost EUR 1,024.09');
    expect(namedText.match(/15 ?%/g)).toHaveLength(1);
  });

  it('shows quantities at a sensible precision', async () => {
    const view = sampleView(3);
    const lines = view.invoice.lines.map((l, i) => (i === 0 ? { ...l, quantity: new Dec('1234.56789012') } : l));
    expect(pdfTextRuns(await renderInvoicePdf({ ...view, invoice: { ...view.invoice, lines } }))).toContain(
      '1,234.5679',
    );
  });

  it('uses Letter for US locales, A4 elsewhere, or the paper size set', async () => {
    const mediaBox = async (view: InvoiceView): Promise<string> =>
      /\/MediaBox \[([^\]]*)\]/.exec((await renderInvoicePdf(view)).toString('latin1'))?.[1]?.trim() ?? '';
    expect(await mediaBox(sampleView(3))).toBe('0 0 612 792');
    expect(await mediaBox(sampleView(3, { settings: { locale: 'en-GB' } }))).toBe('0 0 595.28 841.89');
    expect(await mediaBox(sampleView(3, { settings: settingsWith({ paperSize: 'A4' }) }))).toBe('0 0 595.28 841.89');
  });

  it('draws a PNG logo, and no logo box at all without one (or with an SVG, which the PDF cannot draw)', async () => {
    const view = sampleView(3);
    const withLogo = (
      await renderInvoicePdf({ ...view, logo: { file: 'logo.png', contentType: 'image/png', base64: PNG_1X1 } })
    ).toString('latin1');
    expect(withLogo).toContain('/Subtype /Image');
    const without = await renderInvoicePdf(view);
    const svg = await renderInvoicePdf({
      ...view,
      logo: { file: 'logo.svg', contentType: 'image/svg+xml', base64: Buffer.from('<svg/>').toString('base64') },
    });
    for (const pdf of [without, svg]) {
      expect(pdf.toString('latin1')).not.toContain('/Subtype /Image');
      // The old empty box was a 140×56 rectangle at the top-left margin.
      expect(pdfStreams(pdf).join('\n')).not.toContain('50 -736.89 140 56 re');
      expect(pdfStreams(pdf).join('\n')).not.toMatch(/ 140 56 re/);
    }
  });

  it('shows what the invoice covers, the MSP’s phone and tax id, the client’s address, PO number and tax id, and how to pay', async () => {
    const text = pdfTextRuns(
      await renderInvoicePdf(
        sampleView(6, {
          client: { postalAddress: 'Damrak 1\n1012 LG Amsterdam', poNumber: 'PO-2025-77', taxId: 'NL123456789B01' },
          settings: {
            ...settingsWith({
              paymentInstructions: 'IBAN NL91 ABNA 0417 1643 00\nBIC ABNANL2A',
              remitTo: 'Osprey Networks B.V.\nPostbus 1',
            }),
            msp: { ...MSP.msp, phone: '+31 20 555 0100', taxId: 'VAT NL001234567B01' },
          },
        }),
      ),
    );
    expect(text).toEqual(
      expect.arrayContaining([
        'Services February 2025 · usage and adjustments for January 2025',
        'Phone +31 20 555 0100',
        'Tax ID VAT NL001234567B01',
        'Damrak 1',
        '1012 LG Amsterdam',
        'PO number',
        'PO-2025-77',
        'Tax ID NL123456789B01',
        'How to pay',
        'IBAN NL91 ABNA 0417 1643 00',
        'BIC ABNANL2A',
        'Remit to',
        'Osprey Networks B.V.',
        'Postbus 1',
      ]),
    );
  });
});

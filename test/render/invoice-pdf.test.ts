import { describe, expect, it } from 'vitest';
import { renderInvoicePdf } from '../../functions/render/invoice-pdf.js';
import { pdfPageCount, pdfTextRuns } from './pdf-text.js';
import { sampleView } from './sample.js';

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
    expect(runs).toEqual(expect.arrayContaining([
      'INVOICE', 'OSP-2025-000001', 'Feb 1, 2025', 'Feb 8, 2025', 'January 2025',
      'Osprey Networks', 'Keizersgracht 12', '1015 CS Amsterdam, Netherlands', 'billing@osprey.example',
      'Brouwer & Zonen B.V.', 'ap@brouwer.example, finance@brouwer.example',
      'Recurring', 'True-up', 'Credits', 'Usage', 'Late fees',
      '550.00', '-9.00', '12.83',
      'Subtotal', '849.59', 'Tax 21% on 836.76', '175.72', 'Total', 'EUR 1,025.31', 'Amount paid', '100.00', 'Balance due', 'EUR 925.31',
      'Page 1 of 1',
    ]));
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

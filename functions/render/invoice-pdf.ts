/**
 * The invoice as a PDF (pdfkit, built-in Helvetica, A4). Deterministic: the document's
 * CreationDate is the invoice's issue date and pdfkit derives the file /ID from the info
 * dictionary, so rendering the same invoice twice gives the same bytes (the invoice worker
 * relies on this when a message is redelivered).
 *
 * Layout: a reserved logo box at top-left with the MSP's name, address and email under it;
 * "INVOICE" with number, dates and billing period at top-right; the bill-to block; the lines
 * grouped by kind; totals; payment terms. Long invoices flow onto further pages that repeat
 * the table header; every page is numbered `Page i of n` (pages are buffered and the footers
 * written at the end).
 *
 * Helvetica covers WinAnsi (Western European) characters only; text outside it (e.g. CJK
 * client names) does not render in this font.
 */
import PDFDocument from 'pdfkit';
import type { InvoiceView } from './email-content.js';
import { invoiceModel, type InvoiceModel, type LineRow } from './invoice-model.js';

const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = 50;
const CONTENT_WIDTH = PAGE.width - 2 * MARGIN;
const RIGHT = PAGE.width - MARGIN;
/** Content never goes below this; the footer lives underneath. */
const CONTENT_BOTTOM = PAGE.height - 62;
const FOOTER_Y = PAGE.height - 45;
const LOGO = { x: MARGIN, y: MARGIN, width: 140, height: 56 };

const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const INK = '#111827';
const MUTED = '#6b7280';
const RULE = '#e5e7eb';
const SHADE = '#f3f4f6';

/** Table columns: x offset from the left margin and width. */
const COLUMNS = {
  description: { x: 0, width: 255 },
  quantity: { x: 255, width: 55 },
  unitPrice: { x: 310, width: 85 },
  amount: { x: 395, width: CONTENT_WIDTH - 395 },
} as const;
const CELL_PAD = 5;

type Doc = PDFKit.PDFDocument;

export function renderInvoicePdf(view: InvoiceView): Promise<Buffer> {
  const model = invoiceModel(view);
  const issued = new Date(`${view.invoice.issueDate}T00:00:00Z`);
  const doc = new PDFDocument({
    size: 'A4',
    // The layout places everything itself and breaks pages at CONTENT_BOTTOM; a small bottom
    // margin keeps pdfkit from ever starting a page on its own.
    margins: { top: MARGIN, bottom: 20, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: {
      Title: model.title,
      Author: view.settings.msp.name,
      Subject: `${model.title} for ${view.client.name}, period ${view.invoice.period}`,
      Creator: 'TrueUp',
      Producer: 'TrueUp (PDFKit)',
      CreationDate: issued,
      ModDate: issued,
    },
    displayTitle: true,
    lang: 'en',
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  new InvoiceLayout(doc, model).draw();
  doc.end();
  return done;
}

class InvoiceLayout {
  private y = MARGIN;

  constructor(private readonly doc: Doc, private readonly model: InvoiceModel) {}

  draw(): void {
    this.header();
    this.table();
    this.totalsAndTerms();
    this.footers();
  }

  private text(s: string, x: number, y: number, options: PDFKit.Mixins.TextOptions & { font?: string; size?: number; color?: string } = {}): number {
    const { font = FONT, size = 9, color = INK, ...rest } = options;
    this.doc.font(font).fontSize(size).fillColor(color);
    // Always pass a width: without one pdfkit measures against wherever its cursor was left.
    const textOptions = { lineGap: 1, width: RIGHT - x, ...rest };
    const height = this.doc.heightOfString(s, textOptions);
    this.doc.text(s, x, y, textOptions);
    return height;
  }

  private height(s: string, width: number, font: string, size: number): number {
    this.doc.font(font).fontSize(size);
    return this.doc.heightOfString(s, { width, lineGap: 1 });
  }

  private rule(y: number, color = RULE, width = 0.5, x0 = MARGIN, x1 = RIGHT): void {
    this.doc.save().moveTo(x0, y).lineTo(x1, y).lineWidth(width).strokeColor(color).stroke().restore();
  }

  private header(): void {
    const { doc, model } = this;
    // The logo slot: a reserved box, left empty until a logo is configured.
    doc.save().rect(LOGO.x, LOGO.y, LOGO.width, LOGO.height).lineWidth(0.5).strokeColor(RULE).stroke().restore();

    const rightX = 300;
    const rightWidth = RIGHT - rightX;
    this.text('INVOICE', rightX, MARGIN - 2, { font: BOLD, size: 24, width: rightWidth, align: 'right', characterSpacing: 1 });
    let metaY = MARGIN + 34;
    for (const row of model.meta) {
      this.text(row.label, rightX, metaY, { size: 9, color: MUTED, width: 105, align: 'right' });
      metaY += this.text(row.value, rightX + 110, metaY, { font: BOLD, size: 9, width: rightWidth - 110, align: 'right' }) + 3;
    }

    const leftWidth = 230;
    let fromY = LOGO.y + LOGO.height + 12;
    fromY += this.text(model.from.name, MARGIN, fromY, { font: BOLD, size: 11, width: leftWidth }) + 2;
    for (const line of model.from.address) fromY += this.text(line, MARGIN, fromY, { size: 9, width: leftWidth, color: '#374151' });
    fromY += this.text(model.from.email, MARGIN, fromY, { size: 9, width: leftWidth, color: '#374151' });

    let y = Math.max(fromY, metaY) + 22;
    this.text('BILL TO', MARGIN, y, { font: BOLD, size: 8, color: MUTED, characterSpacing: 0.5 });
    y += 12;
    y += this.text(model.billTo.name, MARGIN, y, { font: BOLD, size: 11, width: 330 }) + 2;
    y += this.text(model.billTo.emails, MARGIN, y, { size: 9, width: 330, color: '#374151' });
    y += this.text(`Client ID: ${model.billTo.clientId}`, MARGIN, y, { size: 9, width: 330, color: MUTED });

    // Balance-due callout at the right of the bill-to block.
    const boxWidth = 170;
    const boxX = RIGHT - boxWidth;
    const boxY = Math.max(fromY, metaY) + 18;
    doc.save().rect(boxX, boxY, boxWidth, 44).fill(SHADE).restore();
    this.text('Balance due', boxX + 10, boxY + 8, { size: 8, color: MUTED, width: boxWidth - 20, align: 'right' });
    this.text(model.balanceDue, boxX + 10, boxY + 20, { font: BOLD, size: 14, width: boxWidth - 20, align: 'right' });

    this.y = Math.max(y, boxY + 44) + 22;
  }

  private tableHeader(): void {
    const y = this.y;
    this.doc.save().rect(MARGIN, y, CONTENT_WIDTH, 20).fill(SHADE).restore();
    const label = (s: string, column: { x: number; width: number }, align: 'left' | 'right'): void => {
      this.text(s, MARGIN + column.x + CELL_PAD, y + 6, { font: BOLD, size: 8.5, color: '#374151', width: column.width - 2 * CELL_PAD, align, lineBreak: false });
    };
    label('Description', COLUMNS.description, 'left');
    label('Qty', COLUMNS.quantity, 'right');
    label('Unit price', COLUMNS.unitPrice, 'right');
    label(`Amount (${this.model.currency})`, COLUMNS.amount, 'right');
    this.y = y + 20;
  }

  /** Starts a new page when `height` does not fit; continuation pages repeat the table header. */
  private ensure(height: number, withTableHeader: boolean): boolean {
    if (this.y + height <= CONTENT_BOTTOM) return false;
    this.doc.addPage();
    this.y = MARGIN;
    this.text(`${this.model.title} (continued)`, MARGIN, this.y, { font: BOLD, size: 10 });
    this.text(this.model.from.name, MARGIN, this.y, { size: 9, color: MUTED, width: CONTENT_WIDTH, align: 'right' });
    this.y += 24;
    if (withTableHeader) this.tableHeader();
    return true;
  }

  private groupHeader(label: string): void {
    const height = 20;
    this.text(label, MARGIN + CELL_PAD, this.y + 8, { font: BOLD, size: 9.5, color: '#1f2937', lineBreak: false });
    this.y += height;
    this.rule(this.y, '#d1d5db');
  }

  private rowHeight(row: LineRow): number {
    const width = COLUMNS.description.width - 2 * CELL_PAD;
    let height = this.height(row.description, width, FONT, 9);
    if (row.detail) height += 2 + this.height(row.detail, width, FONT, 7.5);
    return height + 2 * CELL_PAD;
  }

  private table(): void {
    this.tableHeader();
    const groupHeight = 20;
    for (const group of this.model.groups) {
      const first = group.rows[0];
      this.ensure(groupHeight + (first ? this.rowHeight(first) : 0), true);
      this.groupHeader(group.label);
      for (const row of group.rows) {
        const height = this.rowHeight(row);
        if (this.ensure(groupHeight + height, true)) this.groupHeader(`${group.label} (continued)`);
        const y = this.y + CELL_PAD;
        const cell = (s: string, column: { x: number; width: number }): void => {
          this.text(s, MARGIN + column.x + CELL_PAD, y, { size: 9, width: column.width - 2 * CELL_PAD, align: 'right' });
        };
        const descriptionWidth = COLUMNS.description.width - 2 * CELL_PAD;
        const descriptionHeight = this.text(row.description, MARGIN + CELL_PAD, y, { size: 9, width: descriptionWidth });
        if (row.detail) this.text(row.detail, MARGIN + CELL_PAD, y + descriptionHeight + 2, { size: 7.5, color: MUTED, width: descriptionWidth });
        cell(row.quantity, COLUMNS.quantity);
        cell(row.unitPrice, COLUMNS.unitPrice);
        cell(row.amount, COLUMNS.amount);
        this.y += height;
        this.rule(this.y);
      }
    }
    if (this.model.groups.length === 0) {
      this.ensure(24, true);
      this.text('No lines.', MARGIN + CELL_PAD, this.y + 7, { size: 9, color: MUTED });
      this.y += 24;
    }
  }

  /** Totals at the right; payment instructions and terms beside them at the left. */
  private totalsAndTerms(): void {
    const rowHeight = 17;
    const labelX = 300;
    const termsWidth = labelX - MARGIN - 30;
    const termsHeight = 18 + this.model.terms.reduce((h, l) => h + this.height(l, termsWidth, FONT, 8.5) + 3, 0);
    const totalsHeight = this.model.totals.length * rowHeight;
    this.ensure(16 + Math.max(termsHeight, totalsHeight), false);
    const top = this.y + 16;

    let y = top;
    for (const row of this.model.totals) {
      if (row.strong) this.rule(y - 4, '#9ca3af', 0.75, labelX, RIGHT);
      const font = row.strong ? BOLD : FONT;
      const size = row.strong ? 10.5 : 9.5;
      this.text(row.label, labelX, y, { font, size, width: 140, align: 'right', color: row.strong ? INK : '#374151', lineBreak: false });
      this.text(row.value, labelX + 145, y, { font, size, width: RIGHT - labelX - 145 - CELL_PAD, align: 'right', lineBreak: false });
      y += rowHeight;
    }

    let termsY = top - 2;
    termsY += this.text('Payment instructions and terms', MARGIN, termsY, { font: BOLD, size: 9.5, width: termsWidth }) + 5;
    for (const line of this.model.terms) termsY += this.text(line, MARGIN, termsY, { size: 8.5, width: termsWidth, color: '#374151' }) + 3;
    this.y = Math.max(y, termsY);
  }

  /** `Page i of n` on every page, written once the page count is known. */
  private footers(): void {
    const { doc, model } = this;
    const range = doc.bufferedPageRange();
    for (let i = 0; i < range.count; i += 1) {
      doc.switchToPage(range.start + i);
      // Writing below the bottom margin would make pdfkit start a new page: lift the margin.
      const margins = doc.page.margins;
      const bottom = margins.bottom;
      margins.bottom = 0;
      this.rule(FOOTER_Y - 8);
      this.text(`${model.from.name} · ${model.title}`, MARGIN, FOOTER_Y, { size: 8, color: MUTED, width: 330, lineBreak: false, ellipsis: true });
      this.text(`Page ${i + 1} of ${range.count}`, RIGHT - 150, FOOTER_Y, { size: 8, color: MUTED, width: 150, align: 'right', lineBreak: false });
      margins.bottom = bottom;
    }
  }
}

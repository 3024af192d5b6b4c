/**
 * The invoice as a PDF (pdfkit, Letter or A4 by `invoice.paperSize` and the locale).
 * Deterministic: the document's CreationDate is the invoice's issue date and pdfkit derives the
 * file /ID from the info dictionary, so rendering the same invoice twice gives the same bytes
 * (the invoice worker relies on this when a message is redelivered).
 *
 * Layout: the MSP's logo (PNG or JPEG; an SVG logo shows in the HTML invoice only, pdfkit
 * cannot draw SVG) at top-left with the MSP's name, address, email, phone and tax id under it;
 * "INVOICE" with number, dates, billing period and what the invoice covers at top-right; the
 * bill-to block; the lines grouped by kind; totals; payment terms; how to pay. Long invoices
 * flow onto further pages that repeat the table header; every page is numbered `Page i of n`
 * (pages are buffered and the footers written at the end).
 *
 * Text is set in Noto Sans, with Noto Sans JP for the characters Noto Sans lacks (pdf-fonts.ts
 * splits each text into runs). A character neither font has prints as an empty box, and a
 * note on the last page names it (the HTML invoice shows it with the reader's own fonts).
 */
import PDFDocument from 'pdfkit';
import type { Logo, PaperSize, Settings } from '../domain/billing-types.js';
import type { InvoiceView } from './email-content.js';
import { paperSizeOf } from './format.js';
import { columnLabels, invoiceModel, type InvoiceModel, type LineRow, type PayButton } from './invoice-model.js';
import { fontObject, fontRuns, type FontFace, type FontRun } from './pdf-fonts.js';

const PAGES: Readonly<Record<PaperSize, { width: number; height: number }>> = {
  Letter: { width: 612, height: 792 },
  A4: { width: 595.28, height: 841.89 },
};
const MARGIN = 50;
const LOGO = { x: MARGIN, y: MARGIN, width: 140, height: 56 };

type Weight = 'regular' | 'bold';
const FONT: Weight = 'regular';
const BOLD: Weight = 'bold';
const INK = '#111827';
const MUTED = '#6b7280';
const RULE = '#e5e7eb';
const SHADE = '#f3f4f6';
/** Noto Sans sets taller than Helvetica: rows are padded a little less. */
const CELL_PAD = 4;
const GROUP_HEIGHT = 17;

/** Where things go on a page of one size. */
function geometry(size: PaperSize) {
  const page = PAGES[size];
  const contentWidth = page.width - 2 * MARGIN;
  return {
    page,
    contentWidth,
    right: page.width - MARGIN,
    /** Content never goes below this; the footer lives underneath. */
    contentBottom: page.height - 62,
    footerY: page.height - 45,
    /** Table columns: x offset from the left margin and width. */
    columns: {
      description: { x: 0, width: 255 },
      quantity: { x: 255, width: 55 },
      unitPrice: { x: 310, width: 85 },
      amount: { x: 395, width: contentWidth - 395 },
    },
  };
}
type Geometry = ReturnType<typeof geometry>;

type Doc = PDFKit.PDFDocument;
type TextOptions = PDFKit.Mixins.TextOptions & { font?: Weight; size?: number; color?: string };

export function renderInvoicePdf(view: InvoiceView): Promise<Buffer> {
  return renderDocumentPdf(invoiceModel(view), {
    settings: view.settings,
    issueDate: view.invoice.issueDate,
    subject: `Invoice ${view.invoice.number} for ${view.client.name}, period ${view.invoice.period}`,
    ...(view.logo ? { logo: view.logo } : {}),
  });
}

/** A document laid out as an invoice (an invoice, a credit note) from its model. */
export function renderDocumentPdf(
  model: InvoiceModel,
  view: { settings: Settings; issueDate: string; subject: string; logo?: Logo },
): Promise<Buffer> {
  const size = paperSizeOf(view.settings);
  const issued = new Date(`${view.issueDate}T00:00:00Z`);
  const doc = new PDFDocument({
    size: size === 'Letter' ? 'LETTER' : 'A4',
    // No default font: pdfkit would load Helvetica; every text picks its Noto face.
    font: null as unknown as string,
    // The layout places everything itself and breaks pages at contentBottom; a small bottom
    // margin keeps pdfkit from ever starting a page on its own.
    margins: { top: MARGIN, bottom: 20, left: MARGIN, right: MARGIN },
    bufferPages: true,
    info: {
      Title: model.title,
      Author: view.settings.msp.name,
      Subject: view.subject,
      Creator: 'TrueUp',
      Producer: 'TrueUp (PDFKit)',
      CreationDate: issued,
      ModDate: issued,
    },
    displayTitle: true,
    lang: model.locale,
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  new InvoiceLayout(doc, model, geometry(size), logoImage(view)).draw();
  doc.end();
  return done;
}

/** The logo's bytes when pdfkit can draw it (PNG or JPEG). */
function logoImage(view: { logo?: Logo }): Buffer | undefined {
  const logo = view.logo;
  if (!logo || logo.contentType === 'image/svg+xml') return undefined;
  return Buffer.from(logo.base64, 'base64');
}

/** `U+1F600` for each character, in the order first met. */
function codePoints(chars: Iterable<string>): string {
  return [...chars].map((c) => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`).join(', ');
}

class InvoiceLayout {
  private y = MARGIN;
  /** Characters neither font has, met while drawing. */
  private readonly missing = new Set<string>();
  private readonly registered = new Set<string>();

  constructor(
    private readonly doc: Doc,
    private readonly model: InvoiceModel,
    private readonly g: Geometry,
    private readonly logo: Buffer | undefined,
  ) {}

  draw(): void {
    this.header();
    this.table();
    this.totalsAndTerms();
    this.paymentBlock();
    this.missingNote();
    this.footers();
  }

  /** Selects a face, embedding its file on first use (the Japanese faces only when a text needs them). */
  private use(family: FontRun['family'], weight: Weight): Doc {
    const face: FontFace =
      family === 'jp' ? (weight === BOLD ? 'jpBold' : 'jp') : weight === BOLD ? 'sansBold' : 'sans';
    if (!this.registered.has(face)) {
      // pdfkit accepts an opened fontkit font where its types say a file or buffer.
      this.doc.registerFont(face, fontObject(face) as unknown as Buffer);
      this.registered.add(face);
    }
    return this.doc.font(face);
  }

  /**
   * Draws `s` at (x, y) and returns its height. A text in one font is one pdfkit text call; a
   * text that needs both fonts is drawn run by run (continued text when it may wrap, placed
   * side by side when it is one aligned line).
   */
  private text(s: string, x: number, y: number, options: TextOptions = {}): number {
    const { font = FONT, size = 9, color = INK, ...rest } = options;
    // Always pass a width: without one pdfkit measures against wherever its cursor was left.
    const textOptions = { lineGap: 1, width: this.g.right - x, ...rest };
    const runs = fontRuns(s, this.missing);
    if (runs.length <= 1) {
      this.use(runs[0]?.family ?? 'sans', font)
        .fontSize(size)
        .fillColor(color);
      const height = this.doc.heightOfString(s, textOptions);
      this.doc.text(s, x, y, textOptions);
      return height;
    }
    const height = this.height(s, textOptions.width, font, size);
    const aligned = textOptions.align === 'right' || textOptions.align === 'center';
    if (aligned || textOptions.lineBreak === false) {
      const widths = runs.map((run) => this.use(run.family, font).fontSize(size).widthOfString(run.text, textOptions));
      const total = widths.reduce((a, b) => a + b, 0);
      let cx =
        textOptions.align === 'right'
          ? x + textOptions.width - total
          : textOptions.align === 'center'
            ? x + (textOptions.width - total) / 2
            : x;
      runs.forEach((run, i) => {
        this.use(run.family, font).fontSize(size).fillColor(color);
        this.doc.text(run.text, cx, y, {
          ...textOptions,
          align: 'left',
          width: (widths[i] ?? 0) + 1,
          lineBreak: false,
        });
        cx += widths[i] ?? 0;
      });
      return height;
    }
    runs.forEach((run, i) => {
      this.use(run.family, font).fontSize(size).fillColor(color);
      const continued = i < runs.length - 1;
      if (i === 0) this.doc.text(run.text, x, y, { ...textOptions, continued });
      else this.doc.text(run.text, { ...textOptions, continued });
    });
    return height;
  }

  /** The height of `s` wrapped at `width`; a mixed-font text is measured in Noto Sans JP, the taller face. */
  private height(s: string, width: number, font: Weight, size: number): number {
    const runs = fontRuns(s);
    this.use(runs.length > 1 ? 'jp' : (runs[0]?.family ?? 'sans'), font).fontSize(size);
    return this.doc.heightOfString(s, { width, lineGap: 1 });
  }

  private rule(y: number, color = RULE, width = 0.5, x0 = MARGIN, x1 = this.g.right): void {
    this.doc.save().moveTo(x0, y).lineTo(x1, y).lineWidth(width).strokeColor(color).stroke().restore();
  }

  /** Draws the logo at top-left; returns where the MSP's details start. */
  private drawLogo(): number {
    if (!this.logo) return MARGIN;
    try {
      this.doc.image(this.logo, LOGO.x, LOGO.y, { fit: [LOGO.width, LOGO.height] });
      return LOGO.y + LOGO.height + 12;
    } catch {
      // A file pdfkit cannot decode (checked only by its signature on import): no logo on the
      // PDF rather than no invoice; the HTML invoice still shows it.
      return MARGIN;
    }
  }

  private header(): void {
    const { doc, model, g } = this;
    const rightX = 300;
    const rightWidth = g.right - rightX;
    this.text(this.model.heading ?? (this.model.draft ? 'DRAFT INVOICE' : 'INVOICE'), rightX, MARGIN - 2, {
      font: BOLD,
      size: 24,
      width: rightWidth,
      align: 'right',
      characterSpacing: 1,
    });
    let metaY = MARGIN + 34;
    for (const row of model.meta) {
      this.text(row.label, rightX, metaY, { size: 9, color: MUTED, width: 105, align: 'right' });
      metaY +=
        this.text(row.value, rightX + 110, metaY, { font: BOLD, size: 9, width: rightWidth - 110, align: 'right' }) + 3;
    }
    if (model.covers)
      metaY +=
        this.text(model.covers, rightX - 40, metaY + 4, {
          size: 9,
          color: '#374151',
          width: rightWidth + 40,
          align: 'right',
        }) + 4;

    const leftWidth = 230;
    let fromY = this.drawLogo();
    fromY += this.text(model.from.name, MARGIN, fromY, { font: BOLD, size: 11, width: leftWidth }) + 2;
    for (const line of model.from.address)
      fromY += this.text(line, MARGIN, fromY, { size: 9, width: leftWidth, color: '#374151' });
    fromY += this.text(model.from.email, MARGIN, fromY, { size: 9, width: leftWidth, color: '#374151' });
    for (const line of model.from.extra)
      fromY += this.text(line, MARGIN, fromY, { size: 9, width: leftWidth, color: MUTED });

    let y = Math.max(fromY, metaY) + 22;
    this.text('BILL TO', MARGIN, y, { font: BOLD, size: 8, color: MUTED, characterSpacing: 0.5 });
    y += 12;
    y += this.text(model.billTo.name, MARGIN, y, { font: BOLD, size: 11, width: 330 }) + 2;
    for (const line of model.billTo.address) y += this.text(line, MARGIN, y, { size: 9, width: 330, color: '#374151' });
    y += this.text(model.billTo.emails, MARGIN, y, { size: 9, width: 330, color: '#374151' });
    y += this.text(`Client ID: ${model.billTo.clientId}`, MARGIN, y, { size: 9, width: 330, color: MUTED });
    for (const line of model.billTo.extra) y += this.text(line, MARGIN, y, { size: 9, width: 330, color: MUTED });

    // Balance-due callout at the right of the bill-to block.
    const boxWidth = 170;
    const boxX = g.right - boxWidth;
    const boxY = Math.max(fromY, metaY) + 18;
    doc.save().rect(boxX, boxY, boxWidth, 44).fill(SHADE).restore();
    this.text(model.balanceLabel ?? 'Balance due', boxX + 10, boxY + 8, {
      size: 8,
      color: MUTED,
      width: boxWidth - 20,
      align: 'right',
    });
    this.text(model.balanceDue, boxX + 10, boxY + 20, { font: BOLD, size: 14, width: boxWidth - 20, align: 'right' });
    const boxBottom = model.pay ? this.payButton(model.pay, boxX, boxY + 50, boxWidth) : boxY + 44;

    this.y = Math.max(y, boxBottom) + 16;
  }

  /**
   * The Pay button under the balance box: a dark box with the label, the whole box a link to
   * the invoice's Pay link (a URI annotation). Returns its bottom.
   */
  private payButton(pay: PayButton, x: number, y: number, width: number): number {
    const height = 24;
    this.doc.save().roundedRect(x, y, width, height, 3).fill('#1f2937').restore();
    this.text(pay.label, x + 6, y + 7, {
      font: BOLD,
      size: 9,
      color: '#ffffff',
      width: width - 12,
      align: 'center',
      lineBreak: false,
      ellipsis: true,
    });
    this.doc.link(x, y, width, height, pay.url);
    return y + height;
  }

  private tableHeader(): void {
    const { columns } = this.g;
    const y = this.y;
    this.doc.save().rect(MARGIN, y, this.g.contentWidth, 20).fill(SHADE).restore();
    const label = (s: string, column: { x: number; width: number }, align: 'left' | 'right'): void => {
      this.text(s, MARGIN + column.x + CELL_PAD, y + 5, {
        font: BOLD,
        size: 8.5,
        color: '#374151',
        width: column.width - 2 * CELL_PAD,
        align,
        lineBreak: false,
      });
    };
    const headings = columnLabels(this.model);
    label(headings.description, columns.description, 'left');
    label(headings.quantity, columns.quantity, 'right');
    label(headings.unitPrice, columns.unitPrice, 'right');
    label(headings.amount, columns.amount, 'right');
    this.y = y + 20;
  }

  /** Starts a new page when `height` does not fit; continuation pages repeat the table header. */
  private ensure(height: number, withTableHeader: boolean): boolean {
    if (this.y + height <= this.g.contentBottom) return false;
    this.doc.addPage();
    this.y = MARGIN;
    this.text(`${this.model.title} (continued)`, MARGIN, this.y, { font: BOLD, size: 10 });
    this.text(this.model.from.name, MARGIN, this.y, {
      size: 9,
      color: MUTED,
      width: this.g.contentWidth,
      align: 'right',
    });
    this.y += 24;
    if (withTableHeader) this.tableHeader();
    return true;
  }

  private groupHeader(label: string): void {
    this.text(label, MARGIN + CELL_PAD, this.y + 4, { font: BOLD, size: 9.5, color: '#1f2937', lineBreak: false });
    this.y += GROUP_HEIGHT;
    this.rule(this.y, '#d1d5db');
  }

  private rowHeight(row: LineRow): number {
    const width = this.g.columns.description.width - 2 * CELL_PAD;
    let height = this.height(row.description, width, FONT, 9);
    if (row.detail) height += 2 + this.height(row.detail, width, FONT, 7.5);
    return height + 2 * CELL_PAD;
  }

  private table(): void {
    const { columns } = this.g;
    this.tableHeader();
    const groupHeight = GROUP_HEIGHT;
    for (const group of this.model.groups) {
      const first = group.rows[0];
      this.ensure(groupHeight + (first ? this.rowHeight(first) : 0), true);
      this.groupHeader(group.label);
      for (const row of group.rows) {
        const height = this.rowHeight(row);
        if (this.ensure(groupHeight + height, true)) this.groupHeader(`${group.label} (continued)`);
        const y = this.y + CELL_PAD;
        const cell = (s: string, column: { x: number; width: number }): void => {
          this.text(s, MARGIN + column.x + CELL_PAD, y, {
            size: 9,
            width: column.width - 2 * CELL_PAD,
            align: 'right',
          });
        };
        const descriptionWidth = columns.description.width - 2 * CELL_PAD;
        const descriptionHeight = this.text(row.description, MARGIN + CELL_PAD, y, {
          size: 9,
          width: descriptionWidth,
        });
        if (row.detail)
          this.text(row.detail, MARGIN + CELL_PAD, y + descriptionHeight + 2, {
            size: 7.5,
            color: MUTED,
            width: descriptionWidth,
          });
        cell(row.quantity, columns.quantity);
        cell(row.unitPrice, columns.unitPrice);
        cell(row.amount, columns.amount);
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

  /** Totals at the right; payment terms beside them at the left. */
  private totalsAndTerms(): void {
    const rowHeight = 17;
    const labelX = 280;
    const right = this.g.right;
    const termsWidth = labelX - MARGIN - 20;
    const termsHeight = 18 + this.model.terms.reduce((h, l) => h + this.height(l, termsWidth, FONT, 8.5) + 3, 0);
    const totalsHeight = this.model.totals.length * rowHeight;
    this.ensure(16 + Math.max(termsHeight, totalsHeight), false);
    const top = this.y + 16;

    let y = top;
    for (const row of this.model.totals) {
      if (row.strong) this.rule(y - 4, '#9ca3af', 0.75, labelX, right);
      const font = row.strong ? BOLD : FONT;
      const size = row.strong ? 10.5 : 9.5;
      this.text(row.label, labelX, y, {
        font,
        size,
        width: 150,
        align: 'right',
        color: row.strong ? INK : '#374151',
        lineBreak: false,
      });
      this.text(row.value, labelX + 155, y, {
        font,
        size,
        width: right - labelX - 155 - CELL_PAD,
        align: 'right',
        lineBreak: false,
      });
      y += rowHeight;
    }

    let termsY = top - 2;
    termsY +=
      this.text(this.model.termsLabel ?? 'Payment terms', MARGIN, termsY, {
        font: BOLD,
        size: 9.5,
        width: termsWidth,
      }) + 5;
    for (const line of this.model.terms)
      termsY += this.text(line, MARGIN, termsY, { size: 8.5, width: termsWidth, color: '#374151' }) + 3;
    this.y = Math.max(y, termsY);
  }

  /** `invoice.paymentInstructions` and `invoice.remitTo`, side by side in a shaded box across the page. */
  private paymentBlock(): void {
    const payment = this.model.payment;
    if (!payment) return;
    const blocks: { title: string; lines: readonly string[] }[] = [
      ...(payment.instructions.length ? [{ title: 'How to pay', lines: payment.instructions }] : []),
      ...(payment.remitTo.length ? [{ title: 'Remit to', lines: payment.remitTo }] : []),
    ];
    const gap = 20;
    const width = (this.g.contentWidth - 20 - gap * (blocks.length - 1)) / blocks.length;
    const blockHeight = (b: { lines: readonly string[] }): number =>
      16 + b.lines.reduce((h, l) => h + this.height(l, width, FONT, 9), 0);
    const height = 20 + Math.max(...blocks.map(blockHeight));
    this.ensure(14 + height, false);
    const top = this.y + 14;
    this.doc.save().rect(MARGIN, top, this.g.contentWidth, height).fill('#f9fafb').restore();
    blocks.forEach((block, i) => {
      const x = MARGIN + 10 + i * (width + gap);
      let y = top + 10;
      y += this.text(block.title, x, y, { font: BOLD, size: 9.5, width }) + 3;
      for (const line of block.lines) y += this.text(line, x, y, { size: 9, width, color: '#374151' });
    });
    this.y = top + height;
  }

  /** Names the characters this PDF drew as empty boxes. */
  private missingNote(): void {
    if (this.missing.size === 0) return;
    const note =
      `This PDF could not draw ${this.missing.size === 1 ? 'one character' : `${this.missing.size} characters`} (${codePoints(this.missing)}): ` +
      'its fonts have no glyph for them, so they print as empty boxes. The HTML invoice shows them.';
    const height = this.height(note, this.g.contentWidth, FONT, 8);
    this.ensure(12 + height, false);
    this.text(note, MARGIN, this.y + 12, { size: 8, color: MUTED, width: this.g.contentWidth });
    this.y += 12 + height;
  }

  /** A large, light DRAFT across the page, under nothing that hides it. */
  private watermark(): void {
    const { doc, g } = this;
    const { width, height } = doc.page;
    // Drawn last, over the content: light enough to read through.
    doc
      .save()
      .fillOpacity(0.12)
      .rotate(-30, { origin: [width / 2, height / 2] });
    this.text('DRAFT', MARGIN, height / 2 - 60, {
      font: BOLD,
      size: 120,
      color: '#dc2626',
      width: g.contentWidth,
      align: 'center',
      lineBreak: false,
    });
    doc.restore();
  }

  /** `Page i of n` on every page, written once the page count is known. */
  private footers(): void {
    const { doc, model, g } = this;
    const range = doc.bufferedPageRange();
    for (let i = 0; i < range.count; i += 1) {
      doc.switchToPage(range.start + i);
      // Writing below the bottom margin would make pdfkit start a new page: lift the margin.
      const margins = doc.page.margins;
      const bottom = margins.bottom;
      margins.bottom = 0;
      if (model.draft) this.watermark();
      this.rule(g.footerY - 8);
      this.text(`${model.from.name} · ${model.title}`, MARGIN, g.footerY, {
        size: 8,
        color: MUTED,
        width: 330,
        lineBreak: false,
        ellipsis: true,
      });
      this.text(`Page ${i + 1} of ${range.count}`, g.right - 150, g.footerY, {
        size: 8,
        color: MUTED,
        width: 150,
        align: 'right',
        lineBreak: false,
      });
      margins.bottom = bottom;
    }
  }
}

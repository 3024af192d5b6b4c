/**
 * The credit note as a PDF, laid out as the PDF invoice (invoice-pdf.ts); deterministic like it
 * (dated by the note's issue date), so rendering it again gives the same bytes.
 */
import { creditNoteModel, type CreditNoteView } from './credit-note-model.js';
import { renderDocumentPdf } from './invoice-pdf.js';

export function renderCreditNotePdf(view: CreditNoteView): Promise<Buffer> {
  return renderDocumentPdf(creditNoteModel(view), {
    settings: view.settings,
    issueDate: view.note.issueDate,
    subject: `Credit note ${view.note.number} for ${view.client.name}, crediting invoice ${view.invoice.number}`,
    ...(view.logo ? { logo: view.logo } : {}),
  });
}

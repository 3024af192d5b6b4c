/** The credit note as a self-contained HTML page, laid out as the HTML invoice (invoice-html.ts). */
import { creditNoteModel, type CreditNoteView } from './credit-note-model.js';
import { renderDocumentHtml } from './invoice-html.js';

export function renderCreditNoteHtml(view: CreditNoteView): string {
  return renderDocumentHtml(creditNoteModel(view), view);
}

/** The statement of account as a self-contained HTML page, laid out as the HTML invoice (invoice-html.ts). */
import { renderDocumentHtml } from './invoice-html.js';
import { statementModel, type StatementView } from './statement-model.js';

export function renderStatementHtml(view: StatementView): string {
  return renderDocumentHtml(statementModel(view), view);
}

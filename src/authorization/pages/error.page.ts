import { escapeHtml, layout } from './html.js';

/** An error the browser must see here: one that may not be sent to a redirect URI. */
export function errorPage(title: string, message: string): string {
  return layout(title, `<p class="error" role="alert">${escapeHtml(message)}</p>`);
}

import { escapeHtml, hidden, layout } from './html.js';

export interface ConsentPageModel {
  csrfToken: string;
  requestId: string;
  clientName: string;
  username: string;
  scopes: { name: string; description: string; api?: string }[];
}

const scopeItem = (s: ConsentPageModel['scopes'][number]) =>
  `<li>${escapeHtml(s.description)}${s.api ? ` <small>at ${escapeHtml(s.api)}</small>` : ''} <code>${escapeHtml(s.name)}</code></li>`;

export function consentPage(model: ConsentPageModel): string {
  const scopes = model.scopes.length
    ? `<ul class="scopes">${model.scopes.map(scopeItem).join('')}</ul>`
    : '<p>It asks for no particular permission.</p>';
  return layout(
    'Allow access?',
    `<p><strong>${escapeHtml(model.clientName)}</strong> wants to access your account
<strong>${escapeHtml(model.username)}</strong>:</p>
${scopes}
<form method="post" action="/consent">
${hidden('csrf_token', model.csrfToken)}
${hidden('request', model.requestId)}
<div class="actions">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</div>
</form>`,
  );
}

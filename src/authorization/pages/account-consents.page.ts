import { escapeHtml, hidden, layout } from './html.js';

export interface AccountConsentsModel {
  csrfToken: string;
  username: string;
  consents: { clientId: string; clientName: string; scope: string; grantedAt: Date }[];
}

export function accountConsentsPage(model: AccountConsentsModel): string {
  const items = model.consents.length
    ? `<ul class="consents">${model.consents
        .map(
          (c) => `<li>
<strong>${escapeHtml(c.clientName)}</strong><br>
${c.scope ? `<code>${escapeHtml(c.scope)}</code><br>` : ''}
<small>since ${escapeHtml(c.grantedAt.toISOString().slice(0, 10))}</small>
<form method="post" action="/account/consents/revoke">
${hidden('csrf_token', model.csrfToken)}
${hidden('client_id', c.clientId)}
<button type="submit" class="secondary">Revoke access</button>
</form>
</li>`,
        )
        .join('')}</ul>`
    : '<p>You have not given any application access.</p>';
  return layout(
    'Your authorized applications',
    `<p>Signed in as <strong>${escapeHtml(model.username)}</strong>.</p>
${items}
<form method="post" action="/logout">
${hidden('csrf_token', model.csrfToken)}
<button type="submit" class="secondary">Sign out</button>
</form>`,
  );
}

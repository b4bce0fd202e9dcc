import { escapeHtml, hidden, layout } from './html.js';

export interface LoginPageModel {
  csrfToken: string;
  requestId?: string;
  clientName?: string;
  username?: string;
  error?: string;
  /** Other ways to sign in (upstream platforms). */
  alternatives?: { label: string; href: string }[];
}

export function loginPage(model: LoginPageModel): string {
  const intro = model.clientName
    ? `<p>Sign in to continue to <strong>${escapeHtml(model.clientName)}</strong>.</p>`
    : '<p>Sign in to manage your account.</p>';
  const error = model.error ? `<p class="error" role="alert">${escapeHtml(model.error)}</p>` : '';
  return layout(
    'Sign in',
    `${intro}
${error}
<form method="post" action="/login">
${hidden('csrf_token', model.csrfToken)}
${model.requestId ? hidden('request', model.requestId) : ''}
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="128" value="${escapeHtml(model.username ?? '')}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required maxlength="1024">
<button type="submit">Sign in</button>
</form>
${(model.alternatives ?? [])
  .map(
    (a) =>
      `<p><a class="button secondary" href="${escapeHtml(a.href)}">${escapeHtml(a.label)}</a></p>`,
  )
  .join('\n')}`,
  );
}

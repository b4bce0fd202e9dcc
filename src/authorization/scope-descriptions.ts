const KNOWN: Record<string, string> = {
  openid: 'Know who you are (your account identifier)',
  profile: 'See your username',
  email: 'See your email address',
  offline_access: 'Stay connected when you are not using it',
};

/** What a scope lets the client do, in words for the consent page. */
export function describeScope(scope: string): { name: string; description: string } {
  return { name: scope, description: KNOWN[scope] ?? `Use “${scope}”` };
}

import { SecretLedger } from './support/security-app.js';

// The attack suite's log search must be able to fail, or it proves nothing.
describe('the log search used by the attack suite', () => {
  it('finds a remembered credential, and a JWT by its signature alone', () => {
    const ledger = new SecretLedger();
    ledger.remember('s3cr3t-client-secret', 'eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJlLXBhcnQ');
    ledger.rememberAuthorization(`Basic ${Buffer.from('client:pa%2Bss+word').toString('base64')}`);
    expect(ledger.foundIn('{"msg":"x","secret":"s3cr3t-client-secret"}')).toEqual([
      's3cr3t-client-secret',
    ]);
    expect(ledger.foundIn('sig=c2lnbmF0dXJlLXBhcnQ')).toEqual(['c2lnbmF0dXJlLXBhcnQ']);
    expect(ledger.foundIn('login pa+ss word')).toEqual(['pa+ss word']);
    expect(ledger.foundIn('nothing to see')).toEqual([]);
  });

  it('ignores values too short to be distinctive', () => {
    const ledger = new SecretLedger();
    ledger.remember('abc', '');
    expect(ledger.values.size).toBe(0);
  });
});

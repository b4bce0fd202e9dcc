import { bearerChallenge } from '@portcullis/nest-resource-server';
import { challengedUnderDpop } from './dpop-challenge.js';

describe('challengedUnderDpop', () => {
  it('puts a Bearer challenge under the DPoP scheme, with algs, keeping every parameter', () => {
    const headers = {
      'WWW-Authenticate': bearerChallenge(
        'portcullis',
        'insufficient_scope',
        'needs admin',
        'admin',
      ),
      'Cache-Control': 'no-store',
    };
    expect(challengedUnderDpop(headers)).toEqual({
      'WWW-Authenticate':
        'DPoP realm="portcullis", error="insufficient_scope", error_description="needs admin", scope="admin", algs="ES256 RS256 PS256 EdDSA"',
      'Cache-Control': 'no-store',
    });
  });

  it('leaves other challenges and answers without one as they are', () => {
    const basic = { 'WWW-Authenticate': 'Basic realm="portcullis", charset="UTF-8"' };
    expect(challengedUnderDpop(basic)).toBe(basic);
    const none = { 'Retry-After': '1' };
    expect(challengedUnderDpop(none)).toBe(none);
  });
});

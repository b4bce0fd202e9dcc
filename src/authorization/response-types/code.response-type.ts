import { Injectable } from '@nestjs/common';
import { AuthorizationCodeStore } from '../../tokens/authorization-code.store.js';
import type { ConsentedRequest, ResponseTypeHandler } from './response-type-handler.js';

/** RFC 6749 §4.1.2: a one-time code in the query, bound to the request's PKCE challenge. */
@Injectable()
export class CodeResponseType implements ResponseTypeHandler {
  readonly responseType = 'code';
  readonly grantType = 'authorization_code';
  readonly responseMode = 'query';
  readonly issuesCode = true;

  constructor(private readonly codes: AuthorizationCodeStore) {}

  async answer({ request, client, user, scopes }: ConsentedRequest) {
    const code = await this.codes.issue({
      clientId: client.clientId,
      userId: user.userId,
      redirectUri: request.redirectUri,
      redirectUriGiven: request.redirectUriGiven,
      scopes,
      resources: request.resources,
      nonce: request.nonce,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: request.codeChallengeMethod,
      dpopJkt: request.dpopJkt,
      authTime: user.authTime,
    });
    return { code };
  }
}

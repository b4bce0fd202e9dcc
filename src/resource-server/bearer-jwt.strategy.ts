import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { JwksKeyResolver } from './jwks-key-resolver.js';
import type { Principal } from './principal.js';
import { RESOURCE_SERVER_OPTIONS, type ResourceServerOptions } from './resource-server.options.js';

export const BEARER_STRATEGY = 'portcullis-bearer';

/** passport-jwt, verifying RFC 9068 access tokens against the issuer's JWKS. */
@Injectable()
export class BearerJwtStrategy extends PassportStrategy(Strategy, BEARER_STRATEGY) {
  constructor(
    @Inject(RESOURCE_SERVER_OPTIONS) options: ResourceServerOptions,
    resolver: JwksKeyResolver,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: (
        _request: unknown,
        rawJwt: string,
        done: (error: unknown, key?: string | Buffer) => void,
      ) => {
        resolver.keyFor(rawJwt).then(
          // jsonwebtoken verifies with a KeyObject; passport-jwt's types only name PEM forms.
          (key) => done(null, key as unknown as Buffer),
          (error: unknown) => done(error),
        );
      },
      issuer: options.issuer,
      audience: options.audience,
      algorithms: options.algorithms ?? ['ES256', 'RS256'],
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: options.clockToleranceSeconds ?? 5 },
    });
  }

  validate(claims: Record<string, unknown>): Principal {
    const str = (value: unknown) => (typeof value === 'string' ? value : undefined);
    return {
      sub: str(claims.sub) ?? '',
      clientId: str(claims.client_id) ?? '',
      scopes: (str(claims.scope) ?? '').split(' ').filter(Boolean),
      username: str(claims.username),
      sessionName: str(claims.session_name),
      claims,
    };
  }
}

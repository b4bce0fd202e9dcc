import { BadGatewayException, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * Calls the storage service (examples/downstream-service) for the user whose token this
 * service was sent: it never forwards that token (its audience is this service), but
 * exchanges it at Portcullis (RFC 8693) for one to the storage API, on which Portcullis
 * records this service as the actor. Configuration from the environment: DOWNSTREAM_URL,
 * DOWNSTREAM_AUDIENCE (the storage API's identifier), and EXCHANGE_CLIENT_ID /
 * EXCHANGE_CLIENT_SECRET, a client registered for the token-exchange grant with the notes
 * API and the storage API in its resource_scopes.
 */
@Injectable()
export class DownstreamClient {
  private tokenEndpoint?: Promise<string>;

  constructor(private readonly config: ConfigService) {}

  /** GET `path` on the storage service as the subject of `subjectToken`, with `scope`. */
  async get(path: string, subjectToken: string, scope: string): Promise<unknown> {
    const url = this.config.get<string>('DOWNSTREAM_URL');
    if (!url) throw new ServiceUnavailableException('no downstream service is configured');
    const token = await this.exchange(subjectToken, scope);
    const res = await fetch(new URL(path, url), {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    if (!res.ok) {
      throw new BadGatewayException({
        error: 'downstream_refused',
        error_description: `the storage service answered ${res.status}`,
      });
    }
    return res.json();
  }

  private async exchange(subjectToken: string, scope: string): Promise<string> {
    const clientId = this.config.getOrThrow<string>('EXCHANGE_CLIENT_ID');
    const secret = this.config.getOrThrow<string>('EXCHANGE_CLIENT_SECRET');
    const res = await fetch(await this.endpoint(), {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({
        grant_type: TOKEN_EXCHANGE,
        subject_token: subjectToken,
        subject_token_type: ACCESS_TOKEN,
        resource: this.config.getOrThrow<string>('DOWNSTREAM_AUDIENCE'),
        scope,
      }),
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; error?: string };
    if (!res.ok || typeof body.access_token !== 'string') {
      throw new BadGatewayException({
        error: 'token_exchange_failed',
        error_description: `Portcullis refused the exchange: ${body.error ?? res.status}`,
      });
    }
    return body.access_token;
  }

  /** The token endpoint, from the issuer's metadata (RFC 8414), read once. */
  private endpoint(): Promise<string> {
    this.tokenEndpoint ??= (async () => {
      const issuer = this.config.getOrThrow<string>('ISSUER');
      const res = await fetch(`${issuer}/.well-known/oauth-authorization-server`);
      const metadata = (await res.json()) as { token_endpoint?: unknown };
      if (!res.ok || typeof metadata.token_endpoint !== 'string')
        throw new ServiceUnavailableException('the issuer metadata names no token endpoint');
      return metadata.token_endpoint;
    })().catch((error: unknown) => {
      // A failed lookup is tried again on the next request.
      this.tokenEndpoint = undefined;
      throw error;
    });
    return this.tokenEndpoint;
  }
}

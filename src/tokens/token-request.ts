import { OAuthError } from '../common/oauth-error.js';

/**
 * The parameters of a token request (RFC 6749 §3.2): each at most once, and a parameter
 * sent without a value counts as omitted. Parameters no grant knows are ignored.
 */
export class TokenRequest {
  constructor(
    private readonly params: Record<string, unknown>,
    /** The remote address, for throttling and the audit trail. */
    readonly ip: string,
  ) {}

  get(name: string): string | undefined {
    const value = this.params[name];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') {
      throw OAuthError.invalidRequest(`${name} must be sent once, as a single value`);
    }
    return value;
  }

  require(name: string): string {
    const value = this.get(name);
    if (value === undefined) throw OAuthError.invalidRequest(`${name} is required`);
    return value;
  }
}

import { OAuthError } from '../common/oauth-error.js';
import { allValues, repeatedParameter } from '../common/repeated-parameter.js';

/**
 * The parameters of a token request (RFC 6749 §3.2): each at most once, and a parameter
 * sent without a value counts as omitted. Parameters no grant knows are ignored.
 */
export class TokenRequest {
  constructor(
    private readonly params: Record<string, unknown>,
    /** The remote address, for throttling and the audit trail. */
    readonly ip: string,
  ) {
    // RFC 6749 §3.1: a repeated parameter makes the request invalid, whichever it is and
    // whether or not this grant reads it — refused before anything else is looked at.
    const repeated = repeatedParameter(params);
    if (repeated !== undefined)
      throw OAuthError.invalidRequest(`${repeated} must be sent once, as a single value`);
  }

  get(name: string): string | undefined {
    if (!Object.hasOwn(this.params, name)) return undefined;
    const value = this.params[name];
    // Only a repeatable parameter may be a list here: the constructor refused anything else.
    if (typeof value !== 'string')
      throw OAuthError.invalidRequest(`${name} must be sent once, as a single value`);
    return value === '' ? undefined : value;
  }

  /** Every value of a repeatable parameter (REPEATABLE_PARAMETERS), such as `resource`. */
  getAll(name: string): string[] {
    return Object.hasOwn(this.params, name) ? allValues(this.params, name) : [];
  }

  require(name: string): string {
    const value = this.get(name);
    if (value === undefined) throw OAuthError.invalidRequest(`${name} is required`);
    return value;
  }
}

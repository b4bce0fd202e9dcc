import { Injectable } from '@nestjs/common';
import type { ExternalSignIn } from './external-sign-in.js';

export interface SignInLink {
  label: string;
  href: string;
}

/**
 * The external identity providers one can sign in with. Modules that provide one register it
 * here, so the login page and the sign-in flow need to know none of them.
 */
@Injectable()
export class ExternalSignInRegistry {
  private readonly providers = new Map<string, ExternalSignIn>();

  register(provider: ExternalSignIn): void {
    if (this.providers.has(provider.provider))
      throw new Error(`external sign-in ${provider.provider} is registered twice`);
    this.providers.set(provider.provider, provider);
  }

  get(provider: string): ExternalSignIn | undefined {
    return this.providers.get(provider);
  }

  /** A link per enabled connection of every provider, for the login page. */
  async links(requestId?: string): Promise<SignInLink[]> {
    const query = requestId ? `?request=${encodeURIComponent(requestId)}` : '';
    const perProvider = await Promise.all(
      [...this.providers.values()].map(async (provider) =>
        (await provider.enabledConnections()).map((name) => ({
          // The connection named after its provider is the default one: no suffix.
          label: `Sign in with ${provider.displayName}${name === provider.provider ? '' : ` (${name})`}`,
          href: `/login/${encodeURIComponent(provider.provider)}/${encodeURIComponent(name)}${query}`,
        })),
      ),
    );
    return perProvider.flat();
  }
}

import { Injectable } from '@nestjs/common';

export interface SignInLink {
  label: string;
  href: string;
}

/** Something that can sign a user in other than with a password (an upstream platform). */
export interface ExternalSignIn {
  links(requestId?: string): Promise<SignInLink[]>;
}

/**
 * The other ways to sign in that the login page offers. Modules that provide one register it
 * here, so the login page needs to know none of them.
 */
@Injectable()
export class SignInOptions {
  private readonly providers: ExternalSignIn[] = [];

  register(provider: ExternalSignIn): void {
    this.providers.push(provider);
  }

  async links(requestId?: string): Promise<SignInLink[]> {
    return (await Promise.all(this.providers.map((provider) => provider.links(requestId)))).flat();
  }
}

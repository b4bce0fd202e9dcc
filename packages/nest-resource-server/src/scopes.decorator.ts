import { SetMetadata } from '@nestjs/common';

export const SCOPES_KEY = 'portcullis:scopes';
export const ANY_SCOPE_KEY = 'portcullis:any-scope';
export const PUBLIC_KEY = 'portcullis:public';

/** The route needs a token carrying every one of these scopes. */
export const Scopes = (...scopes: string[]) => SetMetadata(SCOPES_KEY, scopes);

/** The route needs a token carrying at least one of these scopes. */
export const AnyScope = (...scopes: string[]) => SetMetadata(ANY_SCOPE_KEY, scopes);

/** The route needs no token, even under a global BearerAuthGuard. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

import { SetMetadata } from '@nestjs/common';

export const SCOPES_KEY = 'portcullis:scopes';

/** The route needs a token carrying every one of these scopes. */
export const Scopes = (...scopes: string[]) => SetMetadata(SCOPES_KEY, scopes);

import { Inject, Injectable } from '@nestjs/common';
import { GRANT_HANDLERS, type GrantHandler } from './grants/grant-handler.js';

/** Finds the handler for a grant_type; the metadata lists the same set. */
@Injectable()
export class GrantRegistry {
  private readonly handlers: Map<string, GrantHandler>;

  constructor(@Inject(GRANT_HANDLERS) handlers: GrantHandler[]) {
    this.handlers = new Map(handlers.map((handler) => [handler.grantType, handler]));
  }

  get(grantType: string): GrantHandler | undefined {
    return this.handlers.get(grantType);
  }

  grantTypes(): string[] {
    return [...this.handlers.keys()];
  }
}

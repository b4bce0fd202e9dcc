import { Inject, Injectable } from '@nestjs/common';
import {
  RESPONSE_TYPE_HANDLERS,
  type ResponseMode,
  type ResponseTypeHandler,
} from './response-type-handler.js';

/** Finds the handler for a response_type; the metadata lists the same set. */
@Injectable()
export class ResponseTypeRegistry {
  private readonly handlers: Map<string, ResponseTypeHandler>;

  constructor(@Inject(RESPONSE_TYPE_HANDLERS) handlers: ResponseTypeHandler[]) {
    this.handlers = new Map(handlers.map((handler) => [handler.responseType, handler]));
  }

  get(responseType: string | undefined): ResponseTypeHandler | undefined {
    return responseType === undefined ? undefined : this.handlers.get(responseType);
  }

  /**
   * Where an answer to `responseType` goes; the query when it names no registered type,
   * RFC 6749's default for an error about the response type itself.
   */
  responseMode(responseType: string | undefined): ResponseMode {
    return this.get(responseType)?.responseMode ?? 'query';
  }

  responseTypes(): string[] {
    return [...this.handlers.keys()];
  }

  /** The grant types the response types stand for (implicit has no token endpoint grant). */
  grantTypes(): string[] {
    return [...new Set([...this.handlers.values()].map((handler) => handler.grantType))];
  }

  responseModes(): ResponseMode[] {
    return [...new Set([...this.handlers.values()].map((handler) => handler.responseMode))];
  }
}

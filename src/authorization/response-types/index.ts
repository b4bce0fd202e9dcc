import { CodeResponseType } from './code.response-type.js';
import { TokenResponseType } from './token.response-type.js';

/** Every response type the authorize endpoint answers: one class per type, one line each. */
export const RESPONSE_TYPE_HANDLER_CLASSES = [CodeResponseType, TokenResponseType];

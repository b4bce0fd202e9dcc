import type { LoggerService } from '@nestjs/common';

/**
 * Where Nest says how it wired the app: each route and controller it mapped, each module it
 * initialized.
 */
const WIRING_CONTEXTS = new Set(['RoutesResolver', 'RouterExplorer', 'InstanceLoader']);

/**
 * The app's logger with Nest's wiring lines (about 140 at every start) moved from info to
 * debug: there when asked for, not between a newcomer and the lines saying where the server
 * is. Nest passes the context as the last parameter.
 */
export class NestWiringAtDebug implements LoggerService {
  constructor(private readonly logger: Required<LoggerService>) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams[optionalParams.length - 1];
    if (typeof context === 'string' && WIRING_CONTEXTS.has(context)) {
      this.logger.debug(message, ...optionalParams);
    } else {
      this.logger.log(message, ...optionalParams);
    }
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.logger.error(message, ...optionalParams);
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.logger.warn(message, ...optionalParams);
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.logger.debug(message, ...optionalParams);
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.logger.verbose(message, ...optionalParams);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.logger.fatal(message, ...optionalParams);
  }
}

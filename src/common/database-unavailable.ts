/**
 * Whether `error` says the database could not be reached or went away (refused or cut
 * connections, a server shutting down or starting up, no pool connection in time), as
 * opposed to refusing the statement itself.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (
    typeof code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|57P0[1-3]|08\w{3})$/.test(code)
  ) {
    return true;
  }
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|timeout exceeded when trying to connect/i.test(message);
}

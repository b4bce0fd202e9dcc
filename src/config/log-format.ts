/** `json`: one JSON object per line, for machines. `pretty`: lines a person reads. */
export type LogFormat = 'json' | 'pretty';

/**
 * LOG_FORMAT when it is set; otherwise pretty for a person at a terminal and JSON for
 * everything else (a log collector, a pipe, production), so nothing that parses the logs
 * has to ask for JSON.
 */
export function logFormatOf(
  given: LogFormat | undefined,
  nodeEnv: 'development' | 'production' | 'test',
  stdoutIsTerminal: boolean,
): LogFormat {
  if (given) return given;
  return stdoutIsTerminal && nodeEnv !== 'production' ? 'pretty' : 'json';
}

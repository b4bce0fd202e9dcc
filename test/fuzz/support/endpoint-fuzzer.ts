import type { TestApp } from '../../support/test-app.js';
import { answerProblems, isRefusal, type Surface } from './answer-shape.js';
import { DbFingerprint } from './db-fingerprint.js';
import { send, type RawRequest, type RawResponse } from './raw-http.js';

/** Each request must be answered within this long: longer is a hang. */
export const REQUEST_TIMEOUT_MS = 5000;

/** How long a log line takes from the server's pino to the pipe this process reads. */
const LOG_SETTLE_MS = 5;

/** Lines the server must never write: a Node crash report or an error-level log line. */
const BAD_LOG_LINE = /unhandled|uncaught|"level":(50|60)\b/i;

export interface Expectation {
  /** The only status this request may get (e.g. 413 for a body past the limit). */
  status?: number;
  /** The only `error` code a refusal may carry. */
  error?: string;
}

/**
 * A request the server cannot parse gets a 400 or 431 with a body, as it cannot know the
 * method was HEAD; a HEAD client then reads that body as a broken next answer. Such HEAD
 * requests test the client, not the server: their targets are kept to ASCII and they and
 * their headers well under Node's limit.
 */
function parseableHead(request: RawRequest): RawRequest {
  return {
    ...request,
    path: request.path
      .slice(0, 8 * 1024)
      .replace(/[^\x21-\x7e]/g, (char) => `%${char.charCodeAt(0).toString(16).padStart(2, '0')}`),
    headers: request.headers?.filter(([, value]) => value.length < 8 * 1024),
  };
}

const clip = (text: string, length = 300) =>
  text.length > length ? `${text.slice(0, length)}… (${text.length} chars)` : text;

function describe(request: RawRequest, response: RawResponse | undefined, problems: string[]) {
  const headers = (request.headers ?? []).map(([name, value]) => `${name}: ${clip(value, 120)}`);
  const body = request.body ? clip(JSON.stringify(request.body.toString('latin1'))) : '(none)';
  const answer = response
    ? `${response.status} ${String(response.headers['content-type'] ?? '')} ${clip(response.text)}`
    : '(no answer)';
  return [
    `${problems.join('; ')}`,
    `request: ${request.method} ${clip(request.path)}`,
    ...headers.map((line) => `  ${line}`),
    `  body: ${body}`,
    `answer: ${answer}`,
  ].join('\n');
}

/**
 * Sends fuzzed requests one at a time to a running server and checks what the fuzz
 * properties promise of every answer: no 5xx and no hang, the server alive with a clean log,
 * RFC-shaped errors, and a database that no refused request changed.
 */
export class EndpointFuzzer {
  private readonly fingerprint: DbFingerprint;
  private stdoutSeen = 0;
  private stderrSeen = 0;

  constructor(private readonly t: TestApp) {
    this.fingerprint = new DbFingerprint(t.db);
  }

  /** Sends `request`; throws a description of the request and every problem with its answer. */
  async exercise(
    surface: Surface,
    request: RawRequest,
    expected: Expectation = {},
  ): Promise<RawResponse> {
    if (request.method === 'HEAD') request = parseableHead(request);
    const before = await this.fingerprint.take();
    const problems: string[] = [];
    let response: RawResponse | undefined;
    try {
      response = await send(this.t.baseUrl, request, REQUEST_TIMEOUT_MS);
    } catch (error) {
      problems.push(`no answer: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (response) {
      problems.push(...answerProblems(surface, request.method, response));
      if (expected.status !== undefined && response.status !== expected.status)
        problems.push(`expected ${expected.status}, answered ${response.status}`);
      if (expected.error !== undefined && !response.text.includes(`"error":"${expected.error}"`))
        problems.push(`expected error ${expected.error}`);
    }
    if (!response || isRefusal(response)) {
      const diff = await this.fingerprint.compare(before);
      if (diff.changedTables.length)
        problems.push(`a refused request changed ${diff.changedTables.join(', ')}`);
      if (diff.unexpectedAudit.length)
        problems.push(`a refused request audited ${diff.unexpectedAudit.join(', ')}`);
      if (diff.auditRewritten) problems.push('a refused request rewrote audit history');
    }
    // The request's log line is written as its answer goes out: wait for it to arrive.
    await new Promise((resolve) => setTimeout(resolve, LOG_SETTLE_MS));
    problems.push(...this.serverProblems());
    if (problems.length) throw new Error(describe(request, response, problems));
    return response!;
  }

  /** The server process is alive, and has logged nothing alarming since the last look. */
  serverProblems(): string[] {
    const problems: string[] = [];
    const { child } = this.t.server;
    if (child.exitCode !== null || child.signalCode !== null)
      problems.push(`the server exited (${child.exitCode ?? child.signalCode})`);
    const stdout = this.t.server.stdout();
    const stderr = this.t.server.stderr();
    const fresh = stdout.slice(this.stdoutSeen) + stderr.slice(this.stderrSeen);
    this.stdoutSeen = stdout.length;
    this.stderrSeen = stderr.length;
    const bad = fresh.split('\n').filter((line) => BAD_LOG_LINE.test(line));
    if (bad.length) problems.push(`the server logged: ${clip(bad.join('\n'), 1500)}`);
    return problems;
  }
}

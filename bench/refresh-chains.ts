/** The refresh rows' token chains, and how many each server's rows prepared and retired. */
import type autocannon from 'autocannon';

interface Chain {
  token: string;
  inFlight: boolean;
  dead: boolean;
}

function successorOf(body: string): string | undefined {
  try {
    const token = (JSON.parse(body) as { refresh_token?: unknown }).refresh_token;
    return typeof token === 'string' && token ? token : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Refresh tokens used exactly once. Each autocannon connection takes its own chain (a prepared
 * refresh token) and sends, with every request, the successor the previous answer returned. A
 * chain whose request was still in flight when a run stopped may have been consumed by the
 * server, so it is retired; the others carry on into the next run.
 */
export class RefreshChains {
  private idle: Chain[] = [];
  private used: Chain[] = [];
  prepared = 0;
  retired = 0;

  constructor(private readonly mint: (count: number) => Promise<string[]>) {}

  /** Makes sure `count` chains are ready (mints the missing ones). */
  async fill(count: number): Promise<void> {
    const missing = count - this.idle.length;
    if (missing <= 0) return;
    const tokens = await this.mint(missing);
    if (tokens.length !== missing) throw new Error(`wanted ${missing} refresh tokens`);
    for (const token of tokens) this.idle.push({ token, inFlight: false, dead: false });
    this.prepared += missing;
  }

  private take(): Chain | undefined {
    const chain = this.idle.pop();
    if (chain) this.used.push(chain);
    return chain;
  }

  /** The request of one connection, bound to its own chain. */
  connectionRequest(
    base: autocannon.Request,
    answered: (status: number, body: string, ok: boolean) => void,
  ): autocannon.Request {
    const first = this.take();
    if (!first) throw new Error('no prepared refresh token left for a connection');
    let chain: Chain = first;
    return {
      ...base,
      setupRequest: (request) => {
        // A broken chain (error answer) is replaced by a spare; without one, the dead token is
        // sent and its error counted.
        if (chain.dead) chain = this.take() ?? chain;
        chain.inFlight = true;
        return {
          ...request,
          body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(chain.token)}`,
        };
      },
      onResponse: (status, body) => {
        chain.inFlight = false;
        const next = status >= 200 && status < 300 ? successorOf(body) : undefined;
        if (next) chain.token = next;
        else chain.dead = true;
        answered(status, body, next !== undefined);
      },
    };
  }

  /** After a run: chains with a request in flight or an error answer are retired. */
  settle(): void {
    for (const chain of this.used) {
      if (chain.dead || chain.inFlight) this.retired += 1;
      else this.idle.push(chain);
    }
    this.used = [];
  }
}

export interface ChainStat {
  prepared: number;
  retired: number;
}

/** Chains prepared and retired per server over the run, for the results file. */
export const chainStats: Record<string, ChainStat> = {};

export function countChains(server: string, chains: RefreshChains): void {
  const stat = chainStats[server];
  chainStats[server] = {
    prepared: (stat?.prepared ?? 0) + chains.prepared,
    retired: (stat?.retired ?? 0) + chains.retired,
  };
}

/** The PostgreSQL the server talks to: an external one (DATABASE_URL) or the embedded one. */
export interface RunningDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

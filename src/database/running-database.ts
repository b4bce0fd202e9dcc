/** The PostgreSQL the server talks to: an external one (DATABASE_URL) or the embedded one. */
export interface RunningDatabase {
  url: string;
  embedded: boolean;
  /** The embedded server's cluster directory: where its data is. */
  dataDirectory?: string;
  stop(): Promise<void>;
}

import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { digestsEqual, sha256 } from '../common/secrets.js';
import { KeyEncryption } from '../keys/key-encryption.js';

/** How long a browser has to come back from the provider; its state cookie lives as long. */
export const EXTERNAL_SIGN_IN_TTL_SECONDS = 600;

export interface StartedSignIn {
  state: string;
  connection: string;
  codeVerifier: string;
  /** The authorization request to continue afterwards, if any. */
  requestId: string | null;
}

/**
 * The single-use state of an external sign-in (`upstream_sign_ins`): the `state` only as its
 * digest, the PKCE verifier encrypted and bound to its connection.
 */
@Injectable()
export class ExternalSignInStateStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(KeyEncryption) private readonly encryption: KeyEncryption,
  ) {}

  async start(signIn: StartedSignIn): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO upstream_sign_ins (state_digest, connection, code_verifier_encrypted, request_id, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [
        sha256(signIn.state),
        signIn.connection,
        this.encryption.encrypt(Buffer.from(signIn.codeVerifier), boundTo(signIn.connection)),
        signIn.requestId,
        EXTERNAL_SIGN_IN_TTL_SECONDS,
      ],
    );
  }

  /**
   * The sign-in `state` started for `connection`, once: only if the browser's own copy
   * (`expected`, from its cookie) is the same, and not expired. Deleted as it is read, so a
   * replayed callback finds nothing.
   */
  async take(
    state: string,
    expected: string,
    connection: string,
  ): Promise<{ codeVerifier: string; requestId: string | null } | undefined> {
    // Digests: equal lengths whatever was sent (a state of as many characters as the cookie
    // but more bytes would make timingSafeEqual throw), and no length learnt from the timing.
    const digest = sha256(state);
    if (state === '' || !digestsEqual(sha256(expected), digest)) return undefined;
    const [row] = await this.dataSource.query<
      { code_verifier_encrypted: Buffer; request_id: string | null }[]
    >(
      `WITH used AS (DELETE FROM upstream_sign_ins WHERE state_digest = $1 AND connection = $2 AND expires_at > now()
         RETURNING code_verifier_encrypted, request_id) SELECT * FROM used`,
      [digest, connection],
    );
    if (!row) return undefined;
    return {
      codeVerifier: this.encryption
        .decrypt(row.code_verifier_encrypted, boundTo(connection))
        .toString('utf8'),
      requestId: row.request_id,
    };
  }
}

/** A verifier's ciphertext opens only for the connection it was started for. */
const boundTo = (connection: string) => `sign-in:${connection}`;

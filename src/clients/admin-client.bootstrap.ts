import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { randomToken } from '../common/secrets.js';
import { AppConfig } from '../config/app-config.js';
import { LOCKS, withAdvisoryLock } from '../database/advisory-lock.js';
import { ClientsService } from './clients.service.js';

/**
 * Makes sure the server can be administered: the client named by ADMIN_CLIENT_ID and
 * ADMIN_CLIENT_SECRET is created or reset at every boot; without them, a first boot with no
 * admin client generates one, prints its credentials once and keeps them in DATA_DIR.
 */
@Injectable()
export class AdminClientBootstrap implements OnModuleInit {
  private readonly logger = new Logger('AdminClient');
  /** The file this boot wrote the generated admin client's credentials to, if it did. */
  credentialsFile?: string;

  constructor(
    private readonly clients: ClientsService,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    await withAdvisoryLock(this.dataSource, LOCKS.bootstrap, async () => {
      const configured = this.config.adminClient;
      if (configured) {
        await this.clients.upsertAdminClient(configured.id, configured.secret);
        this.logger.log(`admin client ${configured.id} is ready`);
        return;
      }
      if (await this.clients.hasAdminClient()) return;
      const id = `admin-${randomToken(8)}`;
      const secret = randomToken(32);
      await this.clients.upsertAdminClient(id, secret);
      await this.announce(id, secret);
    });
  }

  private async announce(clientId: string, clientSecret: string): Promise<void> {
    await mkdir(this.config.dataDir, { recursive: true, mode: 0o700 });
    const file = path.join(this.config.dataDir, 'admin-client.json');
    await writeFile(
      file,
      `${JSON.stringify({ client_id: clientId, client_secret: clientSecret, scope: 'admin' }, null, 2)}\n`,
      { mode: 0o600 },
    );
    this.credentialsFile = file;
    // Printed once, outside the structured log (which redacts secrets on purpose).
    process.stdout.write(
      [
        '',
        'Portcullis created an admin client (shown once; also saved in ' + file + '):',
        `  client_id:     ${clientId}`,
        `  client_secret: ${clientSecret}`,
        'Set ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET to choose your own.',
        '',
      ].join('\n') + '\n',
    );
  }
}

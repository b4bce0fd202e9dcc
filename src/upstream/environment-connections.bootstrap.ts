import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { LOCKS, withAdvisoryLock } from '../database/advisory-lock.js';
import { connectionsFromEnvironment } from './environment-connections.js';
import { UpstreamConnectionsService } from './upstream-connections.service.js';

/** Creates or updates the `coze` and `feishu` connections COZE_* and FEISHU_* describe. */
@Injectable()
export class EnvironmentConnectionsBootstrap implements OnModuleInit {
  private readonly logger = new Logger('Upstream');

  constructor(
    private readonly config: AppConfig,
    private readonly connections: UpstreamConnectionsService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    const { coze, feishu } = connectionsFromEnvironment(this.config.upstreamVariables);
    if (!coze && !feishu) return;
    await withAdvisoryLock(this.dataSource, LOCKS.bootstrap, async () => {
      if (coze) await this.connections.upsertFromEnvironment('coze', 'coze', coze);
      if (feishu) await this.connections.upsertFromEnvironment('feishu', 'feishu', feishu);
    });
    this.logger.log(
      `upstream connections from the environment: ${[coze && 'coze', feishu && 'feishu'].filter(Boolean).join(', ')}`,
    );
  }
}

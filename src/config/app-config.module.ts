import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AppConfig } from './app-config.js';
import { validateEnvironment } from './environment.js';

@Global()
@Module({})
export class AppConfigModule {
  /** Validates process.env when the application is assembled, not when this file loads. */
  static forRoot(): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          skipProcessEnv: true,
          cache: true,
          validate: (raw) => ({ ...validateEnvironment(raw) }),
        }),
      ],
      providers: [AppConfig],
      exports: [AppConfig],
    };
  }
}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientsModule } from '../clients/clients.module.js';
import { configuredOrDevSecret } from '../common/dev-secret.js';
import { AppConfig } from '../config/app-config.js';
import { TokensModule } from '../tokens/tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccountApiController } from './account-api.controller.js';
import { AccountController } from './account.controller.js';
import { AssetsController } from './assets.controller.js';
import { AuthorizationFlow } from './authorization-flow.service.js';
import { AuthorizationRequest } from './authorization-request.entity.js';
import { AuthorizationRequestsService } from './authorization-requests.service.js';
import { AuthorizeController } from './authorize.controller.js';
import { ConsentController } from './consent.controller.js';
import { ConsentsService } from './consents.service.js';
import { CookieSecret } from './cookie-secret.js';
import { CsrfGuard } from './csrf.guard.js';
import { CsrfService } from './csrf.service.js';
import { LoginController } from './login.controller.js';
import { ResponseTypesModule } from './response-types/response-types.module.js';
import { SessionsService } from './sessions.service.js';
import { SignInOptions } from './sign-in-options.js';
import { UserinfoController } from './userinfo.controller.js';

/** The browser-facing half: authorize endpoint, login and consent pages, account, userinfo. */
@Module({
  imports: [
    TypeOrmModule.forFeature([AuthorizationRequest]),
    ClientsModule,
    UsersModule,
    TokensModule,
    ResponseTypesModule,
  ],
  controllers: [
    AccountApiController,
    AuthorizeController,
    LoginController,
    ConsentController,
    AccountController,
    AssetsController,
    UserinfoController,
  ],
  providers: [
    AuthorizationRequestsService,
    AuthorizationFlow,
    ConsentsService,
    SessionsService,
    CsrfService,
    CsrfGuard,
    SignInOptions,
    {
      provide: CookieSecret,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) =>
        new CookieSecret(
          await configuredOrDevSecret(config.cookieSecret, config.dataDir, 'cookie-secret'),
        ),
    },
  ],
  exports: [
    CookieSecret,
    SignInOptions,
    SessionsService,
    AuthorizationFlow,
    AuthorizationRequestsService,
  ],
})
export class AuthorizationModule {}

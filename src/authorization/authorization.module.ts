import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApisModule } from '../apis/apis.module.js';
import { ClientsModule } from '../clients/clients.module.js';
import { configuredOrDevSecret } from '../common/dev-secret.js';
import { AppConfig } from '../config/app-config.js';
import { KeysModule } from '../keys/keys.module.js';
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
import { ExternalSignInController } from './external-sign-in.controller.js';
import { ExternalSignInRegistry } from './external-sign-in-registry.js';
import { ExternalSignInStateStore } from './external-sign-in-state.store.js';
import { LoginController } from './login.controller.js';
import { PushedAuthorizationController } from './pushed-authorization.controller.js';
import { PushedAuthorizationRequests } from './pushed-authorization-requests.service.js';
import { ResponseTypesModule } from './response-types/response-types.module.js';
import { SessionsService } from './sessions.service.js';
import { UserinfoController } from './userinfo.controller.js';

/**
 * The browser-facing half: authorize endpoint, login (with a password or an external identity
 * provider) and consent pages, account, userinfo.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([AuthorizationRequest]),
    ApisModule,
    ClientsModule,
    UsersModule,
    KeysModule,
    TokensModule,
    ResponseTypesModule,
  ],
  controllers: [
    AccountApiController,
    AuthorizeController,
    PushedAuthorizationController,
    LoginController,
    ExternalSignInController,
    ConsentController,
    AccountController,
    AssetsController,
    UserinfoController,
  ],
  providers: [
    AuthorizationRequestsService,
    PushedAuthorizationRequests,
    AuthorizationFlow,
    ConsentsService,
    SessionsService,
    CsrfService,
    CsrfGuard,
    ExternalSignInRegistry,
    ExternalSignInStateStore,
    {
      provide: CookieSecret,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) =>
        new CookieSecret(
          await configuredOrDevSecret(config.cookieSecret, config.dataDir, 'cookie-secret'),
        ),
    },
  ],
  exports: [CookieSecret, ExternalSignInRegistry, SessionsService],
})
export class AuthorizationModule {}

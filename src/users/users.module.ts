import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MetricsModule } from '../metrics/metrics.module.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { PasswordAttemptRate } from './password-attempt-rate.js';
import { PasswordAuthenticator } from './password-authenticator.service.js';
import { PasswordHasher } from './password-hasher.service.js';
import { User } from './user.entity.js';
import { UsersService } from './users.service.js';

@Module({
  // Only for its in-memory storage (ThrottlerStorage), which PasswordAttemptRate counts in.
  imports: [TypeOrmModule.forFeature([User]), ThrottlerModule.forRoot(), MetricsModule],
  providers: [
    UsersService,
    PasswordHasher,
    LoginThrottleService,
    PasswordAttemptRate,
    PasswordAuthenticator,
  ],
  exports: [UsersService, PasswordHasher, LoginThrottleService, PasswordAuthenticator],
})
export class UsersModule {}

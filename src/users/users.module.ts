import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoginThrottleService } from './login-throttle.service.js';
import { PasswordAuthenticator } from './password-authenticator.service.js';
import { PasswordHasher } from './password-hasher.service.js';
import { User } from './user.entity.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([User])],
  providers: [UsersService, PasswordHasher, LoginThrottleService, PasswordAuthenticator],
  exports: [UsersService, PasswordHasher, LoginThrottleService, PasswordAuthenticator],
})
export class UsersModule {}

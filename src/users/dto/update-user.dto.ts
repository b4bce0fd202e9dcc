import { PartialType } from '@nestjs/swagger';
import { CreateUserDto } from './create-user.dto.js';

/** A partial update; `email: null` clears the address. */
export class UpdateUserDto extends PartialType(CreateUserDto) {}

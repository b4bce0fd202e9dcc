// What other modules may use of users/: the files named here, and these names from each. Import
// them from those files, not from this barrel: it would load the whole module.
export { CreateUserDto } from './dto/create-user.dto.js';
export { UpdateUserDto } from './dto/update-user.dto.js';
export { LoginLockedError } from './login-locked.error.js';
export { BadCredentialsError, PasswordAuthenticator } from './password-authenticator.service.js';
export { User } from './user.entity.js';
export { presentUser } from './user.presenter.js';
export { UsersModule } from './users.module.js';
export { UsersService } from './users.service.js';

import { Client } from '../clients/client.entity.js';
import { SigningKey } from '../keys/signing-key.entity.js';
import { User } from '../users/user.entity.js';

/** Every entity of the schema, for the app's data source and the migration tooling. */
export const ENTITIES = [Client, User, SigningKey];

// Every migration, oldest first. `npm run migration:generate` rewrites this list.
import { Initial1795319936586 } from './1795319936586-Initial.js';
import { AuditEvents1795322131854 } from './1795322131854-AuditEvents.js';
import { TokenLifecycle1795322182390 } from './1795322182390-TokenLifecycle.js';
import { AuthorizationCodeFlow1795323492489 } from './1795323492489-AuthorizationCodeFlow.js';
import { UpstreamConnections1795325595618 } from './1795325595618-UpstreamConnections.js';
import { FeishuIdentities1795326195651 } from './1795326195651-FeishuIdentities.js';
import { ChangeNotifications1795500000000 } from './1795500000000-ChangeNotifications.js';
import { FailureCounterNotifications1795640000000 } from './1795640000000-FailureCounterNotifications.js';
import { CodeReplayMark1795976000000 } from './1795976000000-CodeReplayMark.js';
import { AuthorizationRequestBrowser1796000000000 } from './1796000000000-AuthorizationRequestBrowser.js';
import { IssuedAccessTokens1796100000000 } from './1796100000000-IssuedAccessTokens.js';
import { RegisteredApis1796318502958 } from './1796318502958-RegisteredApis.js';
import { AuditPartitions1796400000000 } from './1796400000000-AuditPartitions.js';
import { UsedDpopProofs1796410000000 } from './1796410000000-UsedDpopProofs.js';
import { DpopBinding1796500000000 } from './1796500000000-DpopBinding.js';
import { PushedAuthorizationRequests1796520000000 } from './1796520000000-PushedAuthorizationRequests.js';
import { SigningAlgorithms1796600000000 } from './1796600000000-SigningAlgorithms.js';

export const migrations = [
  Initial1795319936586,
  AuditEvents1795322131854,
  TokenLifecycle1795322182390,
  AuthorizationCodeFlow1795323492489,
  UpstreamConnections1795325595618,
  FeishuIdentities1795326195651,
  ChangeNotifications1795500000000,
  FailureCounterNotifications1795640000000,
  CodeReplayMark1795976000000,
  AuthorizationRequestBrowser1796000000000,
  IssuedAccessTokens1796100000000,
  RegisteredApis1796318502958,
  AuditPartitions1796400000000,
  UsedDpopProofs1796410000000,
  DpopBinding1796500000000,
  PushedAuthorizationRequests1796520000000,
  SigningAlgorithms1796600000000,
];

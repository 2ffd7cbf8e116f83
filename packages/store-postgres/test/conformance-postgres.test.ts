import { describeCredentialStore } from '@qa-broker/store/conformance';
import { openScratchPostgresStore } from './support/postgres-server.js';

describeCredentialStore('PostgreSQL', () => openScratchPostgresStore());

import { describeCredentialStore } from '@qa-broker/store/conformance';
import { useSharedPglite } from './support/shared-pglite.js';

const { openStore } = useSharedPglite();

describeCredentialStore('PGlite (in memory)', openStore);

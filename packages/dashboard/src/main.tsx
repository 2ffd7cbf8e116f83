import { render } from 'preact';
import { brokerBaseUrl } from './api.js';
import { App } from './components/app.js';

const root = document.getElementById('app');
if (root) render(<App baseUrl={brokerBaseUrl(document, location.origin)} />, root);

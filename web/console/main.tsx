import { render } from 'preact';
import { LocationProvider } from 'preact-iso';
import { ApiProvider } from '../shared/api/api-context.tsx';
import { createApiClient } from '../shared/api/client.ts';
import '../styles/base.css';
import '../styles/layout.css';
import '../styles/components.css';
import { App } from './app.tsx';
import { SessionProvider } from './session.tsx';

// The composition root of the console: one API client, handed down; nothing else is global.
const api = createApiClient();
const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app element');

render(
  <ApiProvider client={api}>
    <LocationProvider>
      <SessionProvider>
        <App />
      </SessionProvider>
    </LocationProvider>
  </ApiProvider>,
  root,
);

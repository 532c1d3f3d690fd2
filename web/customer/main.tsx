import { render } from 'preact';
import '../styles/base.css';
import './join.css';
import { createJoinApi } from './join-api.ts';
import { JoinPage } from './join-page.tsx';
import { browserLocale, requestedLocale } from './messages.ts';
import { RightsApp } from './rights/rights-page.tsx';
import './rights/rights.css';

// The composition root of the customer's join page (`/j/<token>`): a separate, small entry that shares nothing
// with the console but the design tokens. The token is read from the path once and handed down.
const root = document.getElementById('app');
if (!root) throw new Error('join.html has no #app element');

if (location.pathname.startsWith('/rights/')) {
  // The public rights-request pages (`/rights/<orgId>`, `/rights/requests/<requestId>`) share this small bundle.
  render(<RightsApp path={location.pathname} initialLocale={requestedLocale(location.search) ?? browserLocale(navigator.languages)} />, root);
} else {
  const token = tokenFromPath(location.pathname);
  render(<JoinPage api={createJoinApi(token)} hasToken={token !== ''} token={token} initialLocale={requestedLocale(location.search)} />, root);
}

/** `/j/<token>` → the token; '' for a path that cannot hold one (the page then says the link is not valid). */
function tokenFromPath(pathname: string): string {
  const raw = pathname.replace(/^\/j\/?/, '').replace(/\/+$/, '');
  try {
    return decodeURIComponent(raw);
  } catch {
    return ''; // a malformed %-escape: not a link Parley wrote
  }
}

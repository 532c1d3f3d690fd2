import { render } from 'preact';
import '../styles/base.css';
import './join.css';
import { createJoinApi } from './join-api.ts';
import { JoinPage } from './join-page.tsx';
import { requestedLocale } from './messages.ts';

// The composition root of the customer's join page (`/j/<token>`): a separate, small entry that shares nothing
// with the console but the design tokens. The token is read from the path once and handed down.
const root = document.getElementById('app');
if (!root) throw new Error('join.html has no #app element');

const token = tokenFromPath(location.pathname);

render(<JoinPage api={createJoinApi(token)} hasToken={token !== ''} token={token} initialLocale={requestedLocale(location.search)} />, root);

/** `/j/<token>` → the token; '' for a path that cannot hold one (the page then says the link is not valid). */
function tokenFromPath(pathname: string): string {
  const raw = pathname.replace(/^\/j\/?/, '').replace(/\/+$/, '');
  try {
    return decodeURIComponent(raw);
  } catch {
    return ''; // a malformed %-escape: not a link Parley wrote
  }
}

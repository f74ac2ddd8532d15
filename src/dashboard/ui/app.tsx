/** The dashboard: a token gate when the server asks for one, then the page the hash names. */
import { type FormEvent, useState } from 'react';
import { api, errorText, useLoad } from './client.js';
import { ErrorLine, Loading } from './components/bits.js';
import { StudiesPage } from './pages/studies.js';
import { StudyShell } from './pages/study-shell.js';
import { href, useRoute } from './route.js';

export function App() {
  const session = useLoad('session', () => api.session());
  if (session.data === null) {
    return <Frame>{session.error !== null ? <ErrorLine error={`Cannot reach the dashboard server: ${session.error}`} /> : <Loading what="session" />}</Frame>;
  }
  if (session.data.tokenRequired && !session.data.authenticated) {
    return (
      <Frame>
        <Login onDone={session.reload} />
      </Frame>
    );
  }
  return <Routed />;
}

function Routed() {
  const route = useRoute();
  let body: React.ReactNode;
  switch (route.page) {
    case 'studies':
      body = <StudiesPage />;
      break;
    case 'not-found':
      body = (
        <p className="error" role="alert">
          No such page. <a href={href.studies()}>Back to the studies</a>
        </p>
      );
      break;
    default:
      body = <StudyShell key={route.studyId} route={route} />;
  }
  return <Frame>{body}</Frame>;
}

function Frame({ children }: { readonly children: React.ReactNode }) {
  return (
    <>
      <header className="topbar">
        <a className="brand" href={href.studies()}>
          Dials
        </a>
        <span className="muted">dashboard</span>
      </header>
      <main>{children}</main>
    </>
  );
}

function Login({ onDone }: { readonly onDone: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    api.login(token).then(
      (s) => (s.authenticated ? onDone() : setError('The token was not accepted.')),
      (err: unknown) => setError(errorText(err)),
    );
  };
  return (
    <form className="login card" onSubmit={submit}>
      <h2>Token required</h2>
      <p>This dashboard was started with a token. Enter it to continue (it is kept in an HttpOnly cookie, never in the URL).</p>
      <input type="password" autoComplete="current-password" value={token} onChange={(e) => setToken(e.target.value)} aria-label="Token" />
      <button type="submit">Sign in</button>
      <ErrorLine error={error} />
    </form>
  );
}

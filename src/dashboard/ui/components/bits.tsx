/** Small shared pieces: state badges, key-value tables, loading and error lines. */
import type { ReactNode } from 'react';
import type { TrialState } from '../../api.js';

export function StateBadge({ state }: { readonly state: TrialState }) {
  return <span className={`badge state-${state.toLowerCase()}`}>{state}</span>;
}

export function ErrorLine({ error }: { readonly error: string | null }) {
  if (error === null) return null;
  return (
    <p className="error" role="alert">
      {error}
    </p>
  );
}

export function Loading({ what }: { readonly what: string }) {
  return <p className="muted loading">Loading {what}…</p>;
}

export function KeyValues({ rows }: { readonly rows: readonly (readonly [string, ReactNode])[] }) {
  return (
    <table className="kv">
      <tbody>
        {rows.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Card({ title, children, wide }: { readonly title: string; readonly children: ReactNode; readonly wide?: boolean }) {
  return (
    <section className={wide ? 'card wide' : 'card'}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

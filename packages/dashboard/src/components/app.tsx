import { useCallback, useState } from 'preact/hooks';
import { createBrokerApi, type BrokerApi } from '../api.js';
import { clearSecret, loadSecret, saveSecret } from '../session.js';
import { Dashboard } from './dashboard.js';
import { SignIn } from './sign-in.js';

/** Signed out → the sign-in form; signed in → the dashboard. */
export function App({ baseUrl }: { baseUrl: string }) {
  const [api, setApi] = useState<BrokerApi | undefined>(() => {
    const secret = loadSecret();
    return secret ? createBrokerApi(baseUrl, secret) : undefined;
  });
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const signOut = useCallback((why?: string) => {
    clearSecret();
    setApi(undefined);
    setNotice(why ?? 'Signed out.');
  }, []);

  if (!api) {
    return (
      <SignIn
        {...(notice ? { notice } : {})}
        onSignIn={async (secret) => {
          const candidate = createBrokerApi(baseUrl, secret);
          await candidate.stats(); // throws the broker's refusal for a wrong secret
          saveSecret(secret);
          setNotice(undefined);
          setApi(candidate);
        }}
      />
    );
  }
  return <Dashboard api={api} onSignOut={signOut} />;
}

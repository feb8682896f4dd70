// React 19, no wrapper: React 19 sets a prop as a property when the custom element has it
// (`generateLinkToken`, `theme`), as an attribute otherwise (`app-name`, `api-base`), and
// `on<event-name>` props become addEventListener('<event-name>') listeners.
import 'kryptos-connect';
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { apiBase, describeError, generateLinkToken } from '../shared.js';

function App() {
  const [result, setResult] = useState('');
  const [successes, setSuccesses] = useState(0);
  const [error, setError] = useState('');
  const [events, setEvents] = useState(0);
  const [theme, setTheme] = useState('light');
  const [renders, setRenders] = useState(0);

  // Inline handlers on purpose: every re-render hands React new functions, so it swaps listeners each time.
  return (
    <main data-framework="react">
      <h1>React {renders}</h1>
      <kryptos-connect
        app-name="Acme (React)"
        api-base={apiBase}
        theme={theme}
        generateLinkToken={() => generateLinkToken()}
        onconnect-success={(e) => {
          setResult(JSON.stringify(e.detail));
          setSuccesses((n) => n + 1);
        }}
        onconnect-error={(e) => setError(describeError(e.detail))}
        onconnect-event={() => setEvents((n) => n + 1)}
      ></kryptos-connect>
      <button
        id="bump"
        type="button"
        onClick={() => {
          setTheme((t) => (t === 'light' ? 'dark' : 'light'));
          setRenders((n) => n + 1);
        }}
      >
        Re-render
      </button>
      <output id="result">{result}</output>
      <output id="successes">{successes}</output>
      <output id="error">{error}</output>
      <output id="events">{events}</output>
    </main>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// GraphiQL with a sign-in panel above it. A person signs in with Cognito (on the local stack:
// picks a demo person); from then on every request GraphiQL makes carries their ID token as
// `Authorization: Bearer <token>` (HTTP), also in connection_init (subscriptions). The token is
// refreshed five minutes before it expires. An Authorization header typed into the Headers
// pane wins, to try another token.
import { cognito } from "./cognito.js";

const h = React.createElement;
const { useEffect, useState } = React;
const config = JSON.parse(document.getElementById("graphiql-config").textContent);
const auth = config.cognito && cognito(config.cognito);

const REFRESH_BEFORE_MS = 5 * 60 * 1000;
const STORED = "prework.graphiql.session"; // sessionStorage: this tab only, gone when it closes

const EXAMPLE = `# Sign in above, then press ▶ and pick an operation.
# Requests carry your ID token (Authorization).

query Me {
  me {
    id
    email
    role
    profile {
      firstName
      lastName
      jobTitle
      manager { email }
    }
  }
}

# 5 a page. For the next, put in Variables:
# {"after": "<pageInfo.endCursor>"}
query Submissions($after: String) {
  submissions(first: 5, after: $after) {
    totalCount
    edges {
      node { id title status owner { email } }
    }
    pageInfo { hasNextPage endCursor }
  }
}

# Status changes you may see, as they happen; ■ stops.
subscription StatusChanges {
  submissionStatusChanged { id title status }
}
`;

/** The session, shared by the panel (shows it) and the fetcher (sends its token). */
const sessions = {
  current: JSON.parse(sessionStorage.getItem(STORED) ?? "null"),
  listeners: new Set(),
  set(next) {
    this.current = next;
    if (next) sessionStorage.setItem(STORED, JSON.stringify(next));
    else sessionStorage.removeItem(STORED);
    for (const listener of this.listeners) listener(next);
  },
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  },
};

let refreshing = null;
let lastFailure = "";

/** REFRESH_TOKEN_AUTH; one at a time. A refused refresh (revoked, expired) signs out here. */
function refresh() {
  const current = sessions.current;
  if (!current) return Promise.resolve(null);
  // signed out (or in as someone else) meanwhile: the answer is for a session that is gone
  const stillCurrent = () => sessions.current?.refreshToken === current.refreshToken;
  refreshing ??= auth
    .refresh(current)
    .then(
      (next) => (stillCurrent() ? (sessions.set(next), next) : null),
      (error) => {
        if (!stillCurrent()) return null;
        lastFailure = `Signed out: the session could not be refreshed (${error.message})`;
        sessions.set(null);
        return null;
      },
    )
    .finally(() => (refreshing = null));
  return refreshing;
}

/** The ID token to send: refreshed first if it is about to expire (say, after a laptop slept). */
async function idToken() {
  const current = sessions.current;
  if (!current) return null;
  if (Date.now() < current.expiresAt - REFRESH_BEFORE_MS) return current.idToken;
  return (await refresh())?.idToken ?? null;
}

const url = location.href.split(/[?#]/)[0];
const baseFetcher = GraphiQL.createFetcher({ url, subscriptionUrl: url.replace(/^http/, "ws") });

async function fetcher(params, options = {}) {
  const headers = { ...options.headers };
  if (!Object.keys(headers).some((name) => name.toLowerCase() === "authorization")) {
    const token = await idToken();
    if (token) headers.Authorization = `Bearer ${token}`;
  }
  // GraphiQL sends these headers on HTTP, and as connectionParams on a subscription's socket
  return baseFetcher(params, { ...options, headers });
}

function role(groups) {
  if (groups.includes("admin")) return "ADMIN";
  return groups.includes("manager") ? "MANAGER" : "USER";
}

function SignedIn({ current, onSignOut, busy }) {
  const until = new Date(current.expiresAt).toLocaleTimeString();
  return h(
    "span",
    { className: "signin-who" },
    "Signed in as ",
    h("strong", null, current.email),
    ` (${role(current.groups)}) · ID token valid until ${until}, renewed automatically · `,
    h(
      "button",
      { type: "button", onClick: () => navigator.clipboard.writeText(current.idToken) },
      "Copy ID token",
    ),
    h("button", { type: "button", disabled: busy, onClick: onSignOut }, "Sign out"),
  );
}

function SignInForm({ onSignIn, busy }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const submit = (event) => {
    event.preventDefault();
    onSignIn(email.trim(), password);
  };
  return h(
    "form",
    { className: "signin-form", onSubmit: submit },
    h("input", {
      type: "email",
      "aria-label": "Email",
      placeholder: "email",
      autoComplete: "username",
      required: true,
      value: email,
      onChange: (e) => setEmail(e.target.value),
    }),
    h("input", {
      type: "password",
      "aria-label": "Password",
      placeholder: "password",
      autoComplete: "current-password",
      required: true,
      value: password,
      onChange: (e) => setPassword(e.target.value),
    }),
    h("button", { type: "submit", disabled: busy }, "Sign in"),
  );
}

function NewPasswordForm({ challenge, onSubmit, onCancel, busy }) {
  const [password, setPassword] = useState("");
  const submit = (event) => {
    event.preventDefault();
    onSubmit(password);
  };
  return h(
    "form",
    { className: "signin-form", onSubmit: submit },
    `New password for ${challenge.email}: `,
    h("input", {
      type: "password",
      "aria-label": "New password",
      autoComplete: "new-password",
      required: true,
      value: password,
      onChange: (e) => setPassword(e.target.value),
    }),
    h("button", { type: "submit", disabled: busy }, "Set password"),
    h("button", { type: "button", onClick: onCancel }, "Cancel"),
  );
}

function DemoPeople({ demo, onSignIn, busy }) {
  return h(
    "span",
    { className: "signin-demo" },
    "Demo people (local stack): ",
    demo.people.map((person) =>
      h(
        "button",
        {
          key: person.email,
          type: "button",
          title: person.email,
          disabled: busy,
          onClick: () => onSignIn(person.email, demo.password),
        },
        `${person.name} · ${person.role.toLowerCase()}`,
      ),
    ),
  );
}

function SignInPanel() {
  const [current, setCurrent] = useState(sessions.current);
  const [challenge, setChallenge] = useState(null);
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);

  useEffect(
    () =>
      sessions.subscribe((next) => {
        setCurrent(next);
        if (!next && lastFailure) setMessage(lastFailure);
      }),
    [],
  );
  // The refresh timer: restarted by every new session (sign-in or refresh).
  useEffect(() => {
    if (!current) return undefined;
    const timer = setTimeout(
      refresh,
      Math.max(0, current.expiresAt - REFRESH_BEFORE_MS - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [current]);

  if (!auth) {
    return h(
      "header",
      { className: "signin" },
      "No sign-in: COGNITO_CLIENT_ID is not set. Put a token in the Headers pane: ",
      h("code", null, '{"Authorization": "Bearer <token>"}'),
    );
  }

  async function attempt(work) {
    setBusy(true);
    setMessage("");
    lastFailure = "";
    try {
      const result = await work();
      if (result.session) {
        setChallenge(null);
        sessions.set(result.session);
      } else if (result.challenge.name === "NEW_PASSWORD_REQUIRED") {
        setChallenge(result.challenge);
        setMessage(`${result.challenge.email} signs in for the first time: choose a new password.`);
      } else {
        setMessage(`Cognito asks for ${result.challenge.name}, which this page cannot answer.`);
      }
    } catch (error) {
      setMessage(error.message);
    } finally {
      setBusy(false);
    }
  }

  async function signOut() {
    setBusy(true);
    try {
      setMessage(`Signed out: ${await auth.signOut(current)}.`);
    } catch (error) {
      setMessage(`Signed out here; Cognito did not confirm: ${error.message}`);
    } finally {
      sessions.set(null);
      setBusy(false);
    }
  }

  const signIn = (email, password) => attempt(() => auth.signIn(email, password));
  let body;
  if (current) body = h(SignedIn, { current, onSignOut: signOut, busy });
  else if (challenge) {
    body = h(NewPasswordForm, {
      challenge,
      busy,
      onSubmit: (password) => attempt(() => auth.setNewPassword(challenge, password)),
      onCancel: () => (setChallenge(null), setMessage("")),
    });
  } else {
    body = [
      h(SignInForm, { key: "form", onSignIn: signIn, busy }),
      config.demo && h(DemoPeople, { key: "demo", demo: config.demo, onSignIn: signIn, busy }),
    ];
  }
  return h(
    "header",
    {
      className: "signin",
      title: `Cognito ${config.cognito.endpoint} · app client ${config.cognito.clientId}`,
    },
    body,
    h("span", { className: "signin-message", role: "status" }, message),
  );
}

// Queries and variables stay shareable in the URL (?q=…&variables=…), as on Strawberry's page.
const params = new URLSearchParams(location.search);

function shareInURL(name, value) {
  params.set(name, value);
  history.replaceState(null, "", `?${params}`);
}

function App() {
  return h(
    React.Fragment,
    null,
    h(SignInPanel),
    h(
      "main",
      { className: "ide" },
      h(GraphiQL, {
        fetcher,
        plugins: [GraphiQLPluginExplorer.explorerPlugin()],
        defaultQuery: EXAMPLE,
        query: params.get("q") ?? undefined,
        variables: params.get("variables") ?? undefined,
        onEditQuery: (value) => shareInURL("q", value),
        onEditVariables: (value) => shareInURL("variables", value),
        defaultEditorToolsVisibility: true,
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: false, // no token in localStorage
        inputValueDeprecation: true,
      }),
    ),
  );
}

ReactDOM.createRoot(document.getElementById("graphiql")).render(h(App));

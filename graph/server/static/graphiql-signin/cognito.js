// Cognito's user-pool API as the browser calls it: one JSON POST per operation with the app
// client id, no AWS credentials and no SDK. The same calls work on AWS and on the local stack
// (moto). https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/

export class CognitoError extends Error {
  constructor(type, message) {
    super(message);
    this.type = type;
  }
}

// Cognito's own wording is for developers; these are for the person at the keyboard.
const MESSAGES = {
  NotAuthorizedException: "Wrong email or password.",
  UserNotFoundException: "Wrong email or password.", // the same: do not reveal who exists
  PasswordResetRequiredException: "This account must reset its password first.",
  UserNotConfirmedException: "This account is not confirmed yet.",
  TooManyRequestsException: "Too many attempts: wait a minute and try again.",
};

/** The claims of a JWT (not verified: the API does that; this is for display). */
export function decodeClaims(jwt) {
  const base64 = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(
    new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))),
  );
}

/** A signed-in session from an AuthenticationResult (a refresh keeps the refresh token). */
function session(result, refreshToken) {
  const claims = decodeClaims(result.IdToken);
  return {
    email: claims.email ?? claims["cognito:username"],
    groups: claims["cognito:groups"] ?? [],
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    refreshToken: result.RefreshToken ?? refreshToken,
    // from ExpiresIn, not the token's `exp`: the browser's clock may be off
    expiresAt: Date.now() + result.ExpiresIn * 1000,
  };
}

export function cognito({ endpoint, clientId }) {
  async function call(operation, body) {
    let response;
    try {
      response = await fetch(endpoint, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-amz-json-1.1",
          "X-Amz-Target": `AWSCognitoIdentityProviderService.${operation}`,
        },
        body: JSON.stringify(body),
      });
    } catch {
      throw new CognitoError("NetworkError", `Cognito (${endpoint}) did not answer ${operation}.`);
    }
    const data = await response.json().catch(() => ({}));
    if (response.ok) return data;
    // AWS names the error "com.amazonaws...#NotAuthorizedException", moto without the prefix
    const type = String(data.__type ?? `HTTP ${response.status}`)
      .split("#")
      .pop();
    const message = data.message ?? data.Message ?? "";
    const friendly =
      type === "NotAuthorizedException" && !/incorrect/i.test(message) ? null : MESSAGES[type];
    throw new CognitoError(type, friendly ?? `${operation} failed: ${type} ${message}`.trim());
  }

  /** A session, or the challenge Cognito asks for (NEW_PASSWORD_REQUIRED: the first sign-in). */
  function outcome(email) {
    return (data) => {
      if (data.AuthenticationResult) return { session: session(data.AuthenticationResult) };
      return { challenge: { name: data.ChallengeName, session: data.Session, email } };
    };
  }

  return {
    signIn: (email, password) =>
      call("InitiateAuth", {
        ClientId: clientId,
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: email, PASSWORD: password },
      }).then(outcome(email)),

    setNewPassword: (challenge, password) =>
      call("RespondToAuthChallenge", {
        ClientId: clientId,
        ChallengeName: "NEW_PASSWORD_REQUIRED",
        Session: challenge.session,
        ChallengeResponses: { USERNAME: challenge.email, NEW_PASSWORD: password },
      }).then(outcome(challenge.email)),

    refresh: async (current) => {
      const data = await call("InitiateAuth", {
        ClientId: clientId,
        AuthFlow: "REFRESH_TOKEN_AUTH",
        AuthParameters: { REFRESH_TOKEN: current.refreshToken },
      });
      return session(data.AuthenticationResult, current.refreshToken);
    },

    /** Revoke this session's refresh token; where the pool cannot (token revocation off, or
     *  the local stack's moto has no RevokeToken) sign the user out of every session instead. */
    signOut: async (current) => {
      try {
        await call("RevokeToken", { ClientId: clientId, Token: current.refreshToken });
        return "this session's refresh token is revoked";
      } catch (error) {
        if (error.type === "NotAuthorizedException") throw error;
        await call("GlobalSignOut", { AccessToken: current.accessToken });
        return "signed out of every session (GlobalSignOut)";
      }
    },
  };
}

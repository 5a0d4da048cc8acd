// Signing in against the Cognito user pool, straight from the browser (Cognito Identity Provider JSON API).
// The app client must have no secret and allow USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH.

export class CognitoError extends Error {
  constructor(type, message) {
    super(message);
    this.name = 'CognitoError';
    this.type = type;
  }
}

// What an administrator can do about each refusal; Cognito's own message where it is already clear.
const ADVICE = {
  UserNotFoundException: 'Incorrect username or password.',
  PasswordResetRequiredException: 'Your password must be reset before you can sign in. Ask your Roster administrator.',
  UserNotConfirmedException: 'Your account is not confirmed yet. Ask your Roster administrator.',
  CodeMismatchException: 'That code is not right. Enter the current code from your authenticator app.',
  ExpiredCodeException: 'That code has expired. Enter the current code from your authenticator app.',
  TooManyRequestsException: 'Too many attempts. Wait a minute, then try again.',
  TooManyFailedAttemptsException: 'Too many attempts. Wait a minute, then try again.',
  LimitExceededException: 'Too many attempts. Wait a minute, then try again.',
};

/** Where the user pool's API is: `/config`'s cognito_endpoint, or the region's public endpoint. */
export function cognitoEndpoint(config) {
  if (config.cognito_endpoint) return String(new URL(config.cognito_endpoint));
  if (!config.region) throw new Error('/config names neither cognito_endpoint nor region');
  return `https://cognito-idp.${config.region}.amazonaws.com/`;
}

async function call(config, action, body) {
  let response;
  try {
    response = await fetch(cognitoEndpoint(config), {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': `AWSCognitoIdentityProviderService.${action}`,
      },
      body: JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new CognitoError('NetworkError', 'The sign-in service could not be reached. Check your connection and try again.');
  }
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    // `__type` is `NotAuthorizedException` or `com.amazonaws…#NotAuthorizedException`.
    const type = String(payload.__type ?? payload.code ?? 'UnknownError').split('#').pop();
    const message = ADVICE[type] ?? payload.message ?? payload.Message ?? 'Sign-in failed. Try again in a minute.';
    throw new CognitoError(type, message);
  }
  return payload;
}

/** The claims of a JWT, for display and timing only: the API verifies the token, the page never trusts it. */
export function claimsOf(token) {
  try {
    const payload = token.split('.')[1].replaceAll('-', '+').replaceAll('_', '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(payload), (c) => c.charCodeAt(0)));
    return JSON.parse(json);
  } catch {
    return {};
  }
}

function tokensFrom(result, previousRefreshToken) {
  const idToken = result.IdToken;
  const exp = Number(claimsOf(idToken).exp);
  const expiresAt = Number.isFinite(exp) ? exp * 1000 : Date.now() + Number(result.ExpiresIn ?? 3600) * 1000;
  return {
    idToken,
    accessToken: result.AccessToken,
    refreshToken: result.RefreshToken ?? previousRefreshToken,
    expiresAt,
  };
}

// Either `{tokens}` or `{challenge: {name, session, username}}` for the page to ask the next question.
function outcome(payload, username) {
  if (payload.AuthenticationResult) return { tokens: tokensFrom(payload.AuthenticationResult) };
  if (payload.ChallengeName) {
    const parameters = payload.ChallengeParameters ?? {};
    return {
      challenge: {
        name: payload.ChallengeName,
        session: payload.Session,
        username: parameters.USER_ID_FOR_SRP ?? parameters.USERNAME ?? username,
      },
    };
  }
  throw new CognitoError('UnexpectedResponse', 'The sign-in service gave an answer the console does not understand.');
}

export async function signIn(config, email, password) {
  const payload = await call(config, 'InitiateAuth', {
    AuthFlow: 'USER_PASSWORD_AUTH',
    ClientId: config.client_id,
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  return outcome(payload, email);
}

/** Answer NEW_PASSWORD_REQUIRED ({NEW_PASSWORD}) or SOFTWARE_TOKEN_MFA ({SOFTWARE_TOKEN_MFA_CODE}). */
export async function answerChallenge(config, challenge, answers) {
  const payload = await call(config, 'RespondToAuthChallenge', {
    ChallengeName: challenge.name,
    ClientId: config.client_id,
    Session: challenge.session,
    ChallengeResponses: { USERNAME: challenge.username, ...answers },
  });
  return outcome(payload, challenge.username);
}

export async function refreshTokens(config, refreshToken) {
  const payload = await call(config, 'InitiateAuth', {
    AuthFlow: 'REFRESH_TOKEN_AUTH',
    ClientId: config.client_id,
    AuthParameters: { REFRESH_TOKEN: refreshToken },
  });
  if (!payload.AuthenticationResult) throw new CognitoError('UnexpectedResponse', 'The session could not be renewed.');
  return tokensFrom(payload.AuthenticationResult, refreshToken);
}

/** Revoke the refresh token on sign-out, so a copy of it is worth nothing. Best effort: sign-out goes on regardless. */
export async function revokeRefreshToken(config, refreshToken) {
  await call(config, 'RevokeToken', { ClientId: config.client_id, Token: refreshToken });
}

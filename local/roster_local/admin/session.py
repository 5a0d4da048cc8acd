"""Signing in for the command line (docs/api.md#command-line): the stack's user pool through the
Cognito API its /config names, tokens kept per URL in the user's config folder (readable
by the user alone) and refreshed when they run out."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

TIMEOUT = 30
REFRESH_MARGIN_SECONDS = 60


class CommandFailed(Exception):
    """The command cannot go on; the message is the one line it prints."""


class BadArguments(CommandFailed):
    """Wrong arguments: exit status 2."""


class SignedOut(CommandFailed):
    """No session for this URL, or it ended."""


def config_folder() -> Path:
    """$ROSTER_CONFIG_DIR, else the platform's per-user config folder."""
    if os.environ.get("ROSTER_CONFIG_DIR"):
        return Path(os.environ["ROSTER_CONFIG_DIR"])
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home())) / "roster"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "roster"


@dataclass
class Sessions:
    """sessions.json: the last URL signed in to, and each URL's tokens (mode 0600)."""

    path: Path

    @classmethod
    def default(cls) -> Sessions:
        return cls(config_folder() / "sessions.json")

    def load(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
            return data
        except (OSError, ValueError):
            return {"last_url": None, "sessions": {}}

    def save(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.path.with_suffix(".tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1)
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.path)

    def last_url(self) -> str | None:
        url = self.load().get("last_url")
        return str(url) if url else None

    def get(self, url: str) -> dict[str, Any] | None:
        session = self.load()["sessions"].get(url)
        return dict(session) if session else None

    def forget(self, url: str) -> None:
        """Drop the URL's session (sign-out)."""
        data = self.load()
        if data.get("sessions", {}).pop(url, None) is not None:
            self.save(data)

    def put(self, url: str, session: dict[str, Any]) -> None:
        data = self.load()
        data.setdefault("sessions", {})[url] = session
        data["last_url"] = url
        self.save(data)


def normalised_url(url: str) -> str:
    return url.strip().rstrip("/")


def fetch_config(url: str) -> dict[str, Any]:
    """The stack's GET /config (no sign-in)."""
    try:
        response = requests.get(f"{url}/config", timeout=TIMEOUT)
    except requests.RequestException as exc:
        raise CommandFailed(f"cannot reach Roster at {url}: {exc.__class__.__name__}") from exc
    if response.status_code != 200:
        raise CommandFailed(f"{url} does not look like Roster: GET /config answered {response.status_code}")
    config: dict[str, Any] = response.json()
    return config


class CognitoSignIn:
    """The unsigned Cognito calls a public app client makes (InitiateAuth and challenges)."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.endpoint = str(config.get("cognito_endpoint") or f"https://cognito-idp.{config['region']}.amazonaws.com")

    def call(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Content-Type": "application/x-amz-json-1.1",
                   "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}"}
        try:
            response = requests.post(self.endpoint.rstrip("/") + "/", data=json.dumps(body), headers=headers,
                                     timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise CommandFailed(f"cannot reach the sign-in service: {exc.__class__.__name__}") from exc
        answer: dict[str, Any] = response.json() if response.content else {}
        if response.status_code != 200:
            kind = str(answer.get("__type", "")).rsplit("#", 1)[-1]
            raise SignedOut(f"sign-in refused: {answer.get('message') or answer.get('Message') or kind}")
        return answer

    def password(self, email: str, password: str, ask: Callable[[str, bool], str]) -> dict[str, Any]:
        """Tokens for email and password, answering the pool's challenges (new password, MFA code)."""
        answer = self.call("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": self.config["client_id"],
                                            "AuthParameters": {"USERNAME": email, "PASSWORD": password}})
        for _ in range(4):
            if "AuthenticationResult" in answer:
                return dict(answer["AuthenticationResult"])
            answer = self._challenge(email, answer, ask)
        raise SignedOut("sign-in did not finish: too many challenges")

    def _challenge(self, email: str, answer: dict[str, Any], ask: Callable[[str, bool], str]) -> dict[str, Any]:
        name, session = answer.get("ChallengeName"), answer.get("Session")
        responses: dict[str, str] = {"USERNAME": email}
        if name == "NEW_PASSWORD_REQUIRED":
            responses["NEW_PASSWORD"] = os.environ.get("ROSTER_NEW_PASSWORD") or ask(
                "Choose a new password (14+ characters, upper and lower case, a digit, a symbol): ", True)
        elif name == "SOFTWARE_TOKEN_MFA":
            responses["SOFTWARE_TOKEN_MFA_CODE"] = ask("Code from your authenticator app: ", False)
        elif name == "MFA_SETUP":
            secret = self.call("AssociateSoftwareToken", {"Session": session})
            print(f"Add Roster to your authenticator app with this key: {secret['SecretCode']}", file=sys.stderr)
            verified = self.call("VerifySoftwareToken", {"Session": secret["Session"],
                                                         "UserCode": ask("Code from the app: ", False)})
            session = verified.get("Session")
        else:
            raise SignedOut(f"sign-in needs {name}, which the command line cannot answer; use the console")
        return self.call("RespondToAuthChallenge", {"ChallengeName": name, "ClientId": self.config["client_id"],
                                                    "Session": session, "ChallengeResponses": responses})

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        answer = self.call("InitiateAuth", {"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": self.config["client_id"],
                                            "AuthParameters": {"REFRESH_TOKEN": refresh_token}})
        return dict(answer["AuthenticationResult"])


def stored_session(email: str, config: dict[str, Any], tokens: dict[str, Any],
                   refresh_token: str | None = None) -> dict[str, Any]:
    return {"email": email, "config": config, "id_token": tokens["IdToken"],
            "refresh_token": tokens.get("RefreshToken") or refresh_token,
            "expires_at": int(time.time()) + int(tokens.get("ExpiresIn", 3600))}


def id_token(sessions: Sessions, url: str) -> str:
    """A valid ID token for url, refreshed when it is about to run out; SignedOut says how to sign in."""
    how = f"roster login --url {url} --email YOUR-EMAIL"
    session = sessions.get(url)
    if session is None:
        raise SignedOut(f"you are not signed in to {url}: {how}")
    if session["expires_at"] - REFRESH_MARGIN_SECONDS > time.time():
        return str(session["id_token"])
    if not session.get("refresh_token"):
        raise SignedOut(f"your session at {url} has ended: {how}")
    try:
        tokens = CognitoSignIn(session["config"]).refresh(session["refresh_token"])
    except SignedOut as exc:
        raise SignedOut(f"your session at {url} has ended: {how}") from exc
    sessions.put(url, stored_session(session["email"], session["config"], tokens, session["refresh_token"]))
    return str(tokens["IdToken"])

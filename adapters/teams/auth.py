"""Bot Framework authentication for Teams: who may call the bot, and how the bot proves itself.

app.py builds the adapter once, from the validated settings:

    adapter = CloudAdapter(
        build_authentication(
            app_id=settings.teams_app_id,              # None: anonymous, for local testing only
            app_password=settings.teams_app_password,
            app_type=settings.teams_app_type,          # MultiTenant (default) / SingleTenant / ...
            tenant_id=settings.teams_tenant_id,        # required for SingleTenant
        )
    )

and answers POST /api/messages with `await adapter.process(request, bot)`; that turns a
rejected token into 401. Tests pass `endpoints=TeamsEndpoints(...)` pointing at local fakes;
production leaves it None and gets Microsoft's public cloud.

Two SDK (4.17) gaps are closed here rather than worked around in app.py:
- A bad, expired or missing token makes the SDK raise PyJWT errors (or AttributeError), which
  CloudAdapter turns into 500 and the channel retries; they are PermissionError (401) here.
- The SDK builds a new MSAL app per turn and never passes ValidateAuthority to it, so every
  turn costs a discovery and a token request, and a non-Microsoft login URL sends MSAL to
  login.microsoftonline.com for instance discovery. Credentials are cached per audience here,
  and a private authority is used as given.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlparse

import jwt
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, CallerIdConstants
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    GovernmentConstants,
    MicrosoftAppCredentials,
    PasswordServiceClientCredentialFactory,
    UserTokenClient,
)
from botframework.connector.skills import BotFrameworkClient
from msal import ConfidentialClientApplication
from msrest.authentication import Authentication

PASSWORD_APP_TYPES = ("multitenant", "singletenant")
APP_TYPES = (*PASSWORD_APP_TYPES, "userassignedmsi")
MICROSOFT_LOGIN_HOSTS = frozenset(
    urlparse(prefix).hostname
    for prefix in (
        AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX,
        GovernmentConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX,
    )
)
# Token validation failures that mean "this caller is not the channel", not "the bot broke".
REJECTED_TOKEN_ERRORS = (jwt.PyJWTError, KeyError, IndexError)


@dataclass(frozen=True, kw_only=True)
class TeamsEndpoints:
    """Where the Bot Framework's identity services live; the defaults are Microsoft's."""

    # Inbound: the OpenID document whose jwks_uri lists the keys channel tokens are signed with.
    openid_metadata_url: str = AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
    token_issuer: str = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
    # Outbound: the MSAL authority (https, ending in the tenant) and the audience of app tokens.
    login_url: str = (
        AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX
        + AuthenticationConstants.DEFAULT_CHANNEL_AUTH_TENANT
    )
    oauth_scope: str = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
    oauth_url: str = AuthenticationConstants.OAUTH_URL  # the user token service (sign-in cards)


def build_authentication(
    *,
    app_id: str | None,
    app_password: str | None,
    app_type: str | None,
    tenant_id: str | None,
    endpoints: TeamsEndpoints | None = None,
) -> BotFrameworkAuthentication:
    """The authentication CloudAdapter needs; no app id means anonymous (no tokens either way)."""
    kind = (app_type or "MultiTenant").lower()
    if kind not in APP_TYPES:
        raise ValueError(f"app_type {app_type!r} is not one of MultiTenant, SingleTenant, ...")
    configuration = SimpleNamespace(
        APP_ID=app_id or None,
        APP_PASSWORD=app_password,
        APP_TYPE=app_type or "MultiTenant",
        APP_TENANTID=tenant_id,
    )
    if not app_id:
        return _RejectingBadTokens(
            ConfigurationBotFrameworkAuthentication(configuration), requires_token=False
        )
    if kind in PASSWORD_APP_TYPES and not app_password:
        raise ValueError(f"app_password is required when app_id is set ({configuration.APP_TYPE})")
    if kind != "multitenant" and not tenant_id:
        raise ValueError(f"tenant_id is required for app_type {configuration.APP_TYPE}")
    if endpoints is not None:
        # Any of these keys switches the SDK to its "parameterized" cloud, which reads them all.
        configuration.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = endpoints.openid_metadata_url
        configuration.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = endpoints.token_issuer
        configuration.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = (
            AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
        )
        configuration.TO_CHANNEL_FROM_BOT_LOGIN_URL = endpoints.login_url
        configuration.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = endpoints.oauth_scope
        configuration.OAUTH_URL = endpoints.oauth_url
        configuration.CALLER_ID = CallerIdConstants.public_azure_channel  # as the public cloud
    credentials = (
        # As the SDK's own factory: only a single-tenant bot gets its tokens from its tenant.
        _CachedPasswordCredentials(
            app_id, app_password, tenant_id if kind == "singletenant" else None
        )
        if kind in PASSWORD_APP_TYPES
        else None  # managed identity: the SDK's own factory, which reads APP_TYPE
    )
    return _RejectingBadTokens(
        ConfigurationBotFrameworkAuthentication(configuration, credentials_factory=credentials),
        requires_token=True,
    )


class _CachedPasswordCredentials(PasswordServiceClientCredentialFactory):
    """One credentials object (so one MSAL token cache) per audience, for the adapter's life."""

    def __init__(self, app_id: str, password: str | None, tenant_id: str | None) -> None:
        super().__init__(app_id, password, tenant_id)
        self._cache: dict[tuple[str, str, str], Authentication] = {}

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Authentication:
        if await self.is_authentication_disabled():
            return MicrosoftAppCredentials.empty()
        key = (app_id, oauth_scope or "", login_endpoint or "")
        if key not in self._cache:
            if urlparse(login_endpoint or "").hostname in MICROSOFT_LOGIN_HOSTS | {None}:
                created = await super().create_credentials(
                    app_id, oauth_scope, login_endpoint, validate_authority
                )
            else:
                if not await self.is_valid_app_id(app_id):
                    raise PermissionError(f"Invalid app_id {app_id!r}")
                created = _PrivateAuthorityCredentials(
                    app_id, self.password, oauth_scope=oauth_scope, authority=login_endpoint
                )
            self._cache[key] = created
        return self._cache[key]


class _PrivateAuthorityCredentials(MicrosoftAppCredentials):
    """App credentials whose MSAL authority is trusted as configured.

    Microsoft's instance discovery only knows Microsoft's hosts, so asking it about any other
    authority can only fail; MSAL goes straight to the authority's own OpenID document.
    """

    def __init__(self, app_id: str, password: str, *, oauth_scope: str, authority: str) -> None:
        super().__init__(app_id, password, oauth_scope=oauth_scope)
        self.oauth_endpoint = authority

    def get_access_token(self, force_refresh: bool = False) -> str:
        if self.app is None:  # the base class builds its MSAL app lazily too; this one first
            self.app = ConfidentialClientApplication(
                client_id=self.microsoft_app_id,
                client_credential=self.microsoft_app_password,
                authority=self.oauth_endpoint,
                validate_authority=False,
                instance_discovery=False,
            )
        return super().get_access_token(force_refresh)


class _RejectingBadTokens(BotFrameworkAuthentication):
    """Delegates everything; turns a token that fails validation into PermissionError (401)."""

    def __init__(self, inner: BotFrameworkAuthentication, *, requires_token: bool) -> None:
        self._inner = inner
        self._requires_token = requires_token

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        if self._requires_token and not auth_header:
            # CloudAdapter passes "" for a missing header, which the parameterized cloud
            # mistakes for a header and then dereferences a missing identity (a 500).
            raise PermissionError("No Authorization header")
        try:
            return await self._inner.authenticate_request(activity, auth_header)
        except REJECTED_TOKEN_ERRORS as error:
            raise PermissionError(f"Rejected token: {error}") from error

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        try:
            return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)
        except REJECTED_TOKEN_ERRORS as error:
            raise PermissionError(f"Rejected token: {error}") from error

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        try:
            return await self._inner.authenticate_channel_request(auth_header)
        except REJECTED_TOKEN_ERRORS as error:
            raise PermissionError(f"Rejected token: {error}") from error

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return self._inner.create_connector_factory(claims_identity)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        return await self._inner.create_user_token_client(claims_identity)

    def create_bot_framework_client(self) -> BotFrameworkClient:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

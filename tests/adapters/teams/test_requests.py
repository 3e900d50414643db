"""Who may post to /api/messages: tokens, tenants, and the unauthenticated mode's warning.

Each refused request is posted exactly as an attacker (or a misconfigured channel) would, into
the real CloudAdapter behind `tandem serve`; the database must be exactly as it was, and the
fake Bot Connector must have received nothing for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from db_snapshot import assert_unchanged, snapshot
from teams_steps import PROGRAMME, accepted, command, health, installed
from teams_world import APP_ID, HANA, MAYA, TENANT, TeamsWorld, card_text, teams_world

from tandem.serve import UNAUTHENTICATED

OTHER_TENANT = "0b5f2c1e-9d8a-4e3b-8f7a-6c5d4e3f2a1b"
SINGLE_TENANT = {"MICROSOFT_APP_TENANT_ID": TENANT, "MICROSOFT_APP_TYPE": "SingleTenant"}


def create(world: TeamsWorld) -> dict[str, Any]:
    return world.activity(HANA, text=f'programme create "{PROGRAMME}" --kind reverse')


def tokens(world: TeamsWorld) -> dict[str, str | None]:
    issuer, url = world.fake.issuer, world.fake.service_url
    return {
        "missing": None,
        "not a JWT": "not-a-token",
        "forged": issuer.forged_token(app_id=APP_ID, service_url=url),
        "expired": issuer.expired_token(app_id=APP_ID, service_url=url),
        "another bot's": issuer.token(app_id="another-bot-app-id", service_url=url),
        "another service URL's": issuer.token(app_id=APP_ID, service_url="https://evil.example/"),
        "another issuer's": issuer.token(
            app_id=APP_ID, service_url=url, iss="https://sts.windows.net/evil/"
        ),
    }


def test_a_request_without_a_valid_channel_token_gets_401_and_changes_nothing(
    tmp_path: Path,
) -> None:
    with teams_world(tmp_path) as world:
        installed(world, HANA)
        for kind, token in tokens(world).items():
            before, received = snapshot(world.db), len(world.fake.received)
            answer = world.post(create(world), token=token)
            assert answer.status == 401, (kind, answer)
            assert_unchanged(world.db, before)
            assert len(world.fake.received) == received, kind  # not even a reply saying no
        # The same activity with a valid token works, so the token was the only problem.
        accepted(world.post(create(world)))
        assert card_text(world.cards_to(HANA)[-1]).startswith("Created")


def test_an_activity_from_another_tenant_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    with teams_world(tmp_path, extra=SINGLE_TENANT) as world:
        assert health(world)["platforms"] == {"teams": "authenticated"}
        installed(world, HANA)
        before, received = snapshot(world.db), len(world.fake.received)
        stranger = world.activity(
            MAYA,
            text=f'programme create "{PROGRAMME}" --kind reverse',
            conversation={
                "conversationType": "personal",
                "tenantId": OTHER_TENANT,
                "id": MAYA.conversation,
            },
            channelData={"tenant": {"id": OTHER_TENANT}},
        )
        accepted(world.post(stranger))  # a valid channel token: the tenant is what is wrong
        install = {**stranger, "type": "installationUpdate", "action": "add", "text": None}
        accepted(world.post(install))
        assert_unchanged(world.db, before)
        told = [r.activity for r in world.fake.received[received:]]
        assert [a.get("text") for a in told] == [
            "This Tandem serves another organisation's Microsoft Teams, so it cannot act here. "
            "Nothing was changed."
        ] * 2
        assert {a["conversation"]["id"] for a in told} == {MAYA.conversation}
        # The bot's own tenant is served as before.
        assert command(world, HANA, "help")


def test_unauthenticated_mode_serves_requests_and_says_so_loudly(tmp_path: Path) -> None:
    with teams_world(tmp_path, authenticated=False) as world:
        assert health(world) == {
            "platforms": {"teams": UNAUTHENTICATED},
            "status": "ok",
            "database": "ok",
        }
        assert "UNAUTHENTICATED" in UNAUTHENTICATED
        accepted(
            world.post(world.activity(HANA, type="installationUpdate", action="add"), token=False)
        )
        accepted(world.post(create(world), token=False))
        assert card_text(world.cards_to(HANA)[-1]).startswith("Created")
        # Replies go without an app token: there is no app to get one for.
        assert {r.authorization for r in world.fake.received} == {None}
        assert world.fake.issued_tokens == []

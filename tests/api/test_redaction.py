"""A secret is hidden in every spelling a message can carry it in, and the client hides every secret it
knows (the token, the password, basic auth's `user:password` in base64) in every error it builds."""

from __future__ import annotations

import base64
import html
import json
import urllib.parse
from collections.abc import Callable

import pytest

from ionos_postgres_pulumi.emulator.testing import RunningEmulator, emulator_thread
from ionos_postgres_pulumi.provider.api import ApiError, PostgresClient, hide_secrets, secret_spellings
from ionos_postgres_pulumi.provider.api.auth import credential_secrets
from ionos_postgres_pulumi.provider.api.throttle import RateGate

# A valid password with what each spelling escapes: a backslash, a tab, U+200B, quotes, &, <, space, é.
PASSWORD = "Pa\\ss\tw\u200bo'r\"d&<1 é"

SPELLINGS: dict[str, Callable[[str], str]] = {
    "raw": lambda s: s,
    "repr": repr,
    "ascii": ascii,
    "repr in a dict": lambda s: repr({"password": s}),
    "repr in a longer text": lambda s: repr(f"can't use {s}"),
    "f-string !r": lambda s: f"password {s!r} is too common",
    "str of a list": lambda s: str([s]),
    "json": json.dumps,
    "json, not ascii": lambda s: json.dumps(s, ensure_ascii=False),
    "json in an object": lambda s: json.dumps({"password": s}),
    "url quote": lambda s: urllib.parse.quote(s, safe=""),
    "url quote_plus": urllib.parse.quote_plus,
    "url query": lambda s: urllib.parse.urlencode({"password": s}),
    "html": html.escape,
    "html without quotes": lambda s: html.escape(s, quote=False),
    # an answer echoing an encoded request (found by an attack: these reached an error and the -v=9 log)
    "base64": lambda s: base64.b64encode(s.encode()).decode(),
    "base64, url-safe, unpadded": lambda s: base64.urlsafe_b64encode(s.encode()).decode().rstrip("="),
    "hex": lambda s: s.encode().hex(),
    "hex, upper case": lambda s: s.encode().hex().upper(),
}


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_every_spelling_of_a_secret_is_hidden(spelling: str) -> None:
    shown = SPELLINGS[spelling](PASSWORD)
    assert shown != "***"
    hidden = hide_secrets(f"before {shown} after", [PASSWORD])
    assert hidden.startswith("before ") and hidden.endswith(" after")
    assert "***" in hidden
    for part in ("Pa", "\\ss", "w\u200bo", "1 é"):  # no piece of it is left in any spelling
        assert part not in hidden.replace("before", "").replace("after", "")


def test_what_is_not_a_secret_is_left_alone() -> None:
    text = "credentials.password 'another' is too common; see https://example.com/?a=b&c=d"
    assert hide_secrets(text, [PASSWORD, "", "absent"]) == text
    assert secret_spellings("") == set()


def test_the_longest_spelling_goes_first() -> None:
    """A secret that holds another secret is hidden whole, not in pieces around the shorter one."""
    assert hide_secrets("token abc-abcdef here", ["abc", "abc-abcdef"]) == "token *** here"


def test_basic_auth_echoed_in_base64_by_an_error_page_is_hidden() -> None:
    """A proxy's error page that shows the request's `Authorization: Basic ...` shows user and password."""
    username, password = "ops@example.com", "S3cret-pass!"
    echoed = base64.b64encode(f"{username}:{password}".encode()).decode()
    with emulator_thread(allow_basic=True) as emu:
        page = f"<html><pre>Authorization: Basic {echoed}</pre></html>"
        emu.admin.add_fault(
            "raw", status=502, body=page, contentType="text/html", times=None, path="^/versions$"
        )
        env = {"IONOS_USERNAME": username, "IONOS_PASSWORD": password, "IONOS_API_URL": emu.api_url}
        client = PostgresClient(
            "de-fra", env=env, sleeper=list[float]().append, gate=RateGate()
        )  # retries not slept
        with pytest.raises(ApiError) as caught, client:
            client.list_versions()
    assert echoed not in str(caught.value)
    assert echoed[:12] not in str(caught.value)  # nor the start of it, which names the user
    assert "Authorization: Basic ***" in str(caught.value)


def test_a_token_echoed_in_a_json_error_is_hidden(emulator: RunningEmulator) -> None:
    token = emulator.token
    body = json.dumps(
        {"httpStatus": 403, "messages": [{"errorCode": "x", "message": f"token {token!r} refused"}]}
    )
    emulator.admin.add_fault("raw", status=403, body=body, contentType="application/json", times=1)
    client = PostgresClient("de-fra", api_url=emulator.api_url, token=token, env={})
    with client, pytest.raises(ApiError) as caught:
        client.list_versions()
    assert token not in str(caught.value)
    assert "token '***' refused" in str(caught.value)


def test_basic_auth_is_hidden_in_each_encoding_it_may_travel_in() -> None:
    """requests sends `user:password` in Latin-1; RFC 7617 asks for UTF-8; a `€` exists only in the latter."""
    secrets = credential_secrets(username="renée", password="pässwort€", env={})
    utf8 = base64.b64encode("renée:pässwort€".encode()).decode()
    assert secrets == ("pässwort€", utf8)
    latin = credential_secrets(username="renée", password="pässwort", env={})
    assert base64.b64encode("renée:pässwort".encode("latin-1")).decode() in latin
    assert base64.b64encode("renée:pässwort".encode()).decode() in latin
    assert credential_secrets(env={"IONOS_TOKEN": "tok", "IONOS_PASSWORD": "pw"}) == ("tok", "pw")

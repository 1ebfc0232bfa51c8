"""`printable`: what the service wrote, shown to a person without the terminal obeying it."""

from __future__ import annotations

import pytest

from ionos_postgres_pulumi.emulator.testing import RunningEmulator
from ionos_postgres_pulumi.provider.api import ApiError, PostgresClient
from ionos_postgres_pulumi.provider.api.printable import printable
from ionos_postgres_pulumi.provider.api.redaction import hide_secrets


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("orders ü 漢字", "orders ü 漢字"),
        ("clear \x1b[2J screen", "clear \\x1b[2J screen"),
        ("a forged\nline", "a forged\\nline"),
        ("\u202eevil", "\\u202eevil"),
        ("DEL \x7f and C1 \x85\x9b", "DEL \\x7f and C1 \\x85\\x9b"),
        ("lone \ud800", "lone \\ud800"),
        ("a \\x1b written", "a \\\\x1b written"),
        ("separator\u2028", "separator\\u2028"),
    ],
    ids=[
        "plain",
        "escape sequence",
        "newline",
        "bidi override",
        "DEL and C1",
        "surrogate",
        "backslash",
        "U+2028",
    ],
)
def test_control_characters_are_escaped_and_ordinary_text_kept(text: str, shown: str) -> None:
    assert printable(text) == shown
    assert printable(text).isprintable()
    printable(text).encode("utf-8")  # always encodable


def test_a_secret_shown_escaped_is_still_hidden() -> None:
    secret = "Sec\\ret\t\u200bPa55word!"
    assert secret not in hide_secrets(printable(f"said: {secret}"), [secret])
    assert hide_secrets(printable(f"said: {secret}"), [secret]) == "said: ***"


def test_the_services_message_in_an_error_reaches_no_terminal_raw(
    emulator: RunningEmulator, client: PostgresClient
) -> None:
    emulator.admin.add_fault(
        "status", status=422, message="\x1b[2J\u202eforged\nerror: line", path="^/versions$"
    )
    with pytest.raises(ApiError) as refused:
        client.list_versions()
    said = str(refused.value)
    assert said.isprintable()
    assert "\\x1b[2J\\u202eforged\\nerror: line" in said

"""What `limits.py` gives the emulator besides the limits: the region a location names, and the values the
service fills in for omitted fields (the emulator shows them in every cluster it answers with)."""

from __future__ import annotations

import pytest

from ionos_postgres_pulumi import limits
from ionos_postgres_pulumi.emulator.testing import emulator_thread
from tests.emulator.conftest import Raw
from tests.payloads import cluster_properties


@pytest.mark.parametrize(
    ("location", "region"),
    [
        ("de-fra", "de-fra"),
        ("de/fra", "de-fra"),
        ("DE-FRA", "de-fra"),
        ("De/Fra", "de-fra"),
        ("de/fra/1", "de-fra"),
        ("de/fra/2", "de-fra"),
        ("us/ewr", "us-ewr"),
        ("de/txl", "de-txl"),
    ],
)
def test_a_location_names_its_region(location: str, region: str) -> None:
    assert limits.region_of(location) == region


@pytest.mark.parametrize(
    "location",
    [
        " de/fra",
        "de/fra ",
        "de/fra\n",
        "\u3000de/fra",
        "de/fra\x1c",
        "de_fra",
        "de/fra/3",
        "mars",
        "",
        "de-fr\u0430",
    ],
)
def test_anything_else_names_no_region(location: str) -> None:
    """The whole value counts: nothing around it is trimmed, and a Cyrillic a (U+0430) is not an 'a'."""
    assert limits.region_of(location) is None


def test_the_default_region_is_checked_whole() -> None:
    with (
        pytest.raises(ValueError, match="' de-fra' is not an IONOS PostgreSQL region"),
        emulator_thread(default_region=" de-fra"),
    ):
        pass
    with emulator_thread(default_region="de/fra/2") as emu:
        assert emu.server is not None and emu.server.settings.default_region == "de-fra"


def test_the_documented_defaults() -> None:
    defaults = {known.path: known.default for known in limits.CLUSTER_FIELDS if known.default is not None}
    assert defaults == {"connectionPooler": "DISABLED", "logsEnabled": False, "metricsEnabled": False}


def test_defaults_fill_what_is_omitted_or_null_and_keep_what_is_given() -> None:
    given = {"name": "x", "logsEnabled": True, "metricsEnabled": None, "backup": {"location": "de"}}
    filled = limits.with_defaults(given)
    assert filled == {
        "name": "x",
        "logsEnabled": True,
        "metricsEnabled": False,
        "connectionPooler": "DISABLED",
        "backup": {"location": "de"},
    }
    assert given["metricsEnabled"] is None  # not changed


def test_nested_defaults_are_filled_inside_their_object(monkeypatch: pytest.MonkeyPatch) -> None:
    """No nested field has a documented default today; one that gets it is filled the same way."""
    retention = limits.Field(
        "backup.retentionDays", limits.Integer(limits.RETENTION_DAYS), required=False, default=7
    )
    monkeypatch.setattr(limits, "CLUSTER_FIELDS", (*limits.CLUSTER_FIELDS, retention))
    given: dict[str, object] = {"backup": {"location": "de"}}
    assert limits.with_defaults(given)["backup"] == {"location": "de", "retentionDays": 7}
    assert given == {"backup": {"location": "de"}}  # the nested object is copied, not changed
    assert limits.with_defaults({})["backup"] == {"retentionDays": 7}
    assert limits.with_defaults({"backup": {"retentionDays": 30}})["backup"] == {"retentionDays": 30}
    assert limits.with_defaults({"backup": "not an object"})["backup"] == "not an object"


def test_a_cluster_shows_the_defaults_the_service_fills_in() -> None:
    with emulator_thread() as emu:
        shown = Raw(emu).create(cluster_properties())["properties"]
    assert (shown["connectionPooler"], shown["logsEnabled"], shown["metricsEnabled"]) == (
        "DISABLED",
        False,
        False,
    )

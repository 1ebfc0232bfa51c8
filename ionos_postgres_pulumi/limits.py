"""What the IONOS DBaaS PostgreSQL v2 API publishes about a cluster: its fields, their limits, the regions.

Data only, written once, and a leaf: it imports nothing but the standard library. The provider's checks
(`provider/api/rules.py`) and the emulator's validation (`emulator/validation.py`) each apply these limits
with code of their own, and the docs' tables are made from them; the emulator is also held to recorded
answers in the shape IONOS documents (`tests/emulator/contract/`), so a wrong limit here is caught there.

Sources (../shared/reference/ionos-pg-v2-api.md): §6 for the limits ([S] from the generated SDKs' models;
the name, username and database characters from the field descriptions; reserved user names from
ionosctl), §2 for the regional endpoints.
"""

from __future__ import annotations

import copy
import string
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class IntRange:
    minimum: int
    maximum: int
    unit: str = ""

    def contains(self, value: int) -> bool:
        return self.minimum <= value <= self.maximum

    def describe(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"an integer from {self.minimum} to {self.maximum}{unit}"


# -- kinds of rule -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Integer:
    limits: IntRange

    def describe(self) -> str:
        return self.limits.describe()


@dataclass(frozen=True)
class Text:
    """`length` characters, each one of `characters`; the first and the last one of `edges` when given;
    none of `reserved` (compared without regard to case)."""

    length: IntRange
    characters: str
    words: str
    edges: str = ""
    reserved: tuple[str, ...] = ()

    def describe(self) -> str:
        return self.words


@dataclass(frozen=True)
class Password:
    """`length` characters with at least one lowercase and one uppercase letter, a digit and a special."""

    length: IntRange
    specials: str

    def describe(self) -> str:
        return (
            f"{self.length.minimum} to {self.length.maximum} characters with at least one lowercase letter, "
            f"one uppercase letter, one digit and one of {self.specials}"
        )


@dataclass(frozen=True)
class Choice:
    options: tuple[str, ...]

    def describe(self) -> str:
        return "one of " + ", ".join(self.options)


@dataclass(frozen=True)
class Uuid:
    """A UUID written 8-4-4-4-12 in hexadecimal digits."""

    what: str

    def describe(self) -> str:
        return f"the UUID of the {self.what}"


@dataclass(frozen=True)
class Digits:
    """A number written with ASCII digits only, as a string."""

    what: str

    def describe(self) -> str:
        return f"the numeric {self.what} as a string"


@dataclass(frozen=True)
class Ipv4Interface:
    """An IPv4 address with its prefix length, outside `reserved`."""

    reserved: str

    def describe(self) -> str:
        return (
            "an IPv4 address with its prefix length (CIDR), such as 192.168.1.100/24, "
            f"outside {self.reserved}"
        )


@dataclass(frozen=True)
class TimeOfDay:
    """A UTC time written HH:MM:SS (two digits each; 00:00:00 to 23:59:59)."""

    def describe(self) -> str:
        return "a UTC time written HH:MM:SS, such as 16:30:00"


@dataclass(frozen=True)
class CatalogEntry:
    """A non-empty string that the service's catalog must list."""

    listed_by: str

    def describe(self) -> str:
        return f"a {self.listed_by}"


@dataclass(frozen=True)
class AnyText:
    def describe(self) -> str:
        return "any text"


@dataclass(frozen=True)
class Boolean:
    def describe(self) -> str:
        return "true or false"


Rule = (
    Integer
    | Text
    | Password
    | Choice
    | Uuid
    | Digits
    | Ipv4Interface
    | TimeOfDay
    | CatalogEntry
    | AnyText
    | Boolean
)


@dataclass(frozen=True)
class Field:
    """One field of a cluster's `properties`, by its path on the wire (camelCase, dotted). `default` is
    the value the service fills in when the field is omitted (None: it fills in nothing)."""

    path: str
    rule: Rule
    required: bool
    secret: bool = False
    default: str | int | bool | None = None

    @property
    def json_type(self) -> type:
        """The JSON type on the wire: a value of another type is a 400, a broken rule a 422."""
        if isinstance(self.rule, Integer):
            return int
        if isinstance(self.rule, Boolean):
            return bool
        return str


# -- the limits ------------------------------------------------------------------------------------

INSTANCE_COUNT = IntRange(1, 5, "instances")
RAM_GB = IntRange(4, 240, "GB per instance")
CORES = IntRange(1, 62, "cores per instance")
STORAGE_GB = IntRange(10, 4096, "GB per instance")
RETENTION_DAYS = IntRange(1, 365, "days")

LETTERS_AND_DIGITS = string.ascii_letters + string.digits
NAME = Text(
    IntRange(2, 63),
    LETTERS_AND_DIGITS + "-_.",
    "2 to 63 characters: letters, digits, '-', '_' and '.', beginning and ending with a letter or digit",
    edges=LETTERS_AND_DIGITS,
)
USERNAME = Text(
    IntRange(2, 16),
    LETTERS_AND_DIGITS + "_",
    "2 to 16 characters: letters, digits and '_'; not postgres, admin or standby",
    reserved=("postgres", "admin", "standby"),
)
DATABASE = Text(IntRange(2, 63), LETTERS_AND_DIGITS + "_", "2 to 63 characters: letters, digits and '_'")
PASSWORD = Password(IntRange(8, 63), "@$!%*?&")

REPLICATION_MODES = ("ASYNCHRONOUS", "STRICTLY_SYNCHRONOUS")
STRICT_REPLICATION_MIN_INSTANCES = (
    3  # "STRICTLY_SYNCHRONOUS: Only supported for clusters with at least 3 instances"
)
DAYS_OF_THE_WEEK = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
CONNECTION_POOLERS = ("DISABLED", "TRANSACTION", "SESSION")
DEFAULT_CONNECTION_POOLER = "DISABLED"  # "Default value is DISABLED"
RESERVED_NETWORK = "10.208.0.0/12"  # "Note the following unavailable IP range"

CLUSTER_FIELDS: tuple[Field, ...] = (
    Field("name", NAME, required=True),
    Field("description", AnyText(), required=False),
    Field("version", CatalogEntry("major version listed by GET /versions"), required=True),
    Field("instances.count", Integer(INSTANCE_COUNT), required=True),
    Field("instances.ram", Integer(RAM_GB), required=True),
    Field("instances.cores", Integer(CORES), required=True),
    Field("instances.storageSize", Integer(STORAGE_GB), required=True),
    Field("connection.datacenterId", Uuid("datacenter"), required=True),
    Field("connection.lanId", Digits("LAN id"), required=True),
    Field("connection.primaryInstanceAddress", Ipv4Interface(RESERVED_NETWORK), required=True),
    Field("maintenanceWindow.time", TimeOfDay(), required=True),
    Field("maintenanceWindow.dayOfTheWeek", Choice(DAYS_OF_THE_WEEK), required=True),
    Field("replicationMode", Choice(REPLICATION_MODES), required=True),
    Field("credentials.username", USERNAME, required=True),
    Field("credentials.password", PASSWORD, required=True, secret=True),
    Field("credentials.database", DATABASE, required=True),
    Field("connectionPooler", Choice(CONNECTION_POOLERS), required=False, default=DEFAULT_CONNECTION_POOLER),
    Field("logsEnabled", Boolean(), required=False, default=False),  # "default to false"
    Field("metricsEnabled", Boolean(), required=False, default=False),
    Field("backup.location", CatalogEntry("location from GET /backup-locations"), required=True),
    Field("backup.retentionDays", Integer(RETENTION_DAYS), required=True),
)
# The objects that hold the dotted fields above.
CLUSTER_OBJECTS = tuple(dict.fromkeys(f.path.split(".")[0] for f in CLUSTER_FIELDS if "." in f.path))


def with_defaults(properties: Mapping[str, object]) -> dict[str, object]:
    """`properties` (wire names, nested) with every omitted field that has a default filled in, as the
    service fills them: a flat field at the top, a dotted one inside its object (made when absent, kept
    when given; a value there that is not an object is left as it is). A field given as null counts as
    omitted. What is given is copied, never changed."""
    filled = copy.deepcopy(dict(properties))
    for known in CLUSTER_FIELDS:
        if known.default is None:
            continue
        *parents, key = known.path.split(".")
        holder: object = filled
        for parent in parents:
            if isinstance(holder, dict):
                if holder.get(parent) is None:
                    holder[parent] = {}
                holder = holder[parent]
        if isinstance(holder, dict) and holder.get(key) is None:
            holder[key] = known.default
    return filled


CLUSTER_STATES = ("PROVISIONING", "AVAILABLE", "UPDATING", "DESTROYING", "FAILED")
POSTGRES_PORT = 5432

# Lists: `offset` from 0, `limit` from 1 to 1000 (default 100); `filter.name` has 2 to 63 characters.
LIST_LIMIT = IntRange(1, 1000)
DEFAULT_LIST_LIMIT = 100
FILTER_NAME_LENGTH = IntRange(2, 63)

# -- regions -----------------------------------------------------------------------------------------

# Each is served at https://postgresql.<region>.ionos.com, with no path prefix.
REGIONS: Mapping[str, str] = {
    "de-txl": "Germany, Berlin",
    "de-fra": "Germany, Frankfurt",
    "fr-par": "France, Paris",
    "es-vit": "Spain, Logroño",
    "gb-lhr": "United Kingdom, London",
    "gb-bhx": "United Kingdom, Worcester",
    "us-las": "United States, Las Vegas",
    "us-mci": "United States, Lenexa",
    "us-ewr": "United States, Newark",
}
# Location names other IONOS tools use for the same endpoints: de/fra/1 and de/fra/2 are served by de-fra
# (IONOS's newer SDKs list all three).
REGION_ALIASES: Mapping[str, str] = {"de-fra-1": "de-fra", "de-fra-2": "de-fra"}


def region_of(location: str) -> str | None:
    """The region a location names, or None: `de-fra`, `de/fra`, `DE-FRA`, `de/fra/1` and `de/fra/2` all
    name `de-fra`. The whole value counts: a space, a newline or any other character around it is not
    trimmed, and only ASCII is compared (a look-alike letter is not one)."""
    if not location.isascii():
        return None
    key = location.lower().replace("/", "-")
    key = REGION_ALIASES.get(key, key)
    return key if key in REGIONS else None

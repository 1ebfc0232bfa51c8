"""Text from the service, or from a cluster's description, made safe to show to a person on a terminal.

A cluster's name, status message, an error's message or the owner read from a description's mark is
written by whoever wrote to the service: an escape sequence in it would clear the screen or forge a line
of output, a bidirectional override would show a text other than the one there, and a lone surrogate
cannot even be encoded. `printable` escapes every such character the way Python's `repr` does (and the
backslash, so that an escape shown is never mistaken for one written), and leaves ordinary text,
accented letters and other scripts included, as it is.

It lives in the client's package, the lowest layer, because the client's own errors are the first place
where the service's text becomes a message, and everything above it (the provider, discovery, the policy
pack) already imports the client.
"""

from __future__ import annotations


def printable(text: object) -> str:
    """`text` with control characters (C0, DEL, C1), format characters such as the bidirectional
    overrides, line and paragraph separators, surrogates and unassigned code points escaped as `\\x1b`,
    `\\u202e`, `\\ud800`; a backslash shows as `\\\\`. The same characters as `repr(text)` escapes, without
    its quotes, so that a secret shown this way is hidden by `hide_secrets` as well."""
    shown = str(text)
    if shown.isprintable() and "\\" not in shown:
        return shown
    return "".join(
        character if character.isprintable() and character != "\\" else repr(character)[1:-1]
        for character in shown
    )

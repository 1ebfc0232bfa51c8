"""What speaks to the Pulumi engine beyond the SDK's `ResourceProvider` interface, in one place.

A dynamic provider's interface hands `check`, `create` and the rest only properties. What the provider needs
beyond them comes from inside the SDK's provider server (`python -m pulumi.dynamic`), whose names are
private to the SDK:

- `calls`: the engine's call this thread serves (its URN, its old outputs at `check`), messages on the
  resource's own row, the partial-create result of a create that failed after making its cluster;
- `server`: the server adjusted: our errors without tracebacks, a wider pool of calls, detailed diffs;
- `handover`: what the first check of a replacement hands to its second, by URN, in hidden inputs;
- `watch`: the provider process ends when its engine is gone;
- `pickling`: the SDK's pickler leak undone before each registration.
"""

"""Errors the provider reports to the user: each says which cluster, what happened, and what to do."""

from __future__ import annotations


class ProviderError(Exception):
    """A failure with a message written for the person running `pulumi up`."""

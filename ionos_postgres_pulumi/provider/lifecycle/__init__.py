"""The steps that call the API: the entry points (`operations`), the checks that ask the service, and
create, update, delete, replace, adopt and wait, with what they keep between runs (the journal, timings)."""

"""Schemathesis hooks for /v1/search (loaded by schemathesis.sh through
SCHEMATHESIS_HOOKS).

A valid `search_after` is only a cursor the server returned for the same
search on the served generation; no schema can describe one. In positive
cases the generated value is replaced by a real cursor: the same search
without `search_after` is sent first and its `next_cursor` used (or the
parameter dropped when that search has one page). Negative cases keep
whatever was generated, which the server must refuse with a 400.
"""

import json
import os
import urllib.parse
import urllib.request

import schemathesis


def _wire(value):
    """A query value as the server reads it (booleans as true/false)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _first_page_cursor(query):
    address = os.environ.get("LIVESEARCH_ADDRESS")
    if not address:
        return None
    pairs = []
    for name, value in query.items():
        if name == "search_after":
            continue
        values = value if isinstance(value, list) else [value]
        pairs.extend((name, _wire(item)) for item in values)
    url = f"http://{address}/v1/search?{urllib.parse.urlencode(pairs)}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.load(response).get("next_cursor")
    except Exception:  # a 4xx here means the case is not positive after all
        return None


@schemathesis.hook
def map_case(context, case):
    query = case.query
    meta = case.meta
    if not query or "search_after" not in query or meta is None:
        return case
    if not meta.generation.mode.is_positive or not case.path.endswith("/v1/search"):
        return case
    cursor = _first_page_cursor(query)
    if cursor is None:
        del query["search_after"]
    else:
        query["search_after"] = cursor
    return case

"""Upload ids as an administrator types them (docs/api.md#command-line): the whole 32-character
id, or any prefix of it that names one upload among the caller's uploads and their
organisations'. An ambiguous prefix is refused with the candidates; an unknown one says how to
list the uploads."""

from __future__ import annotations

import re
from typing import Any, Protocol

from roster_local.admin.session import BadArguments

_WHOLE_ID = re.compile(r"[0-9a-f]{32}")
_PREFIX = re.compile(r"[0-9a-f]{1,31}")
PAGE, MAX_PAGES = 100, 50  # at most 5,000 uploads looked through
SHOWN_CANDIDATES = 10


class ListsUploads(Protocol):
    def get_json(self, path: str, **query: str) -> dict[str, Any]: ...


def resolve_upload_id(api: ListsUploads, given: str) -> str:
    """The whole id `given` names; BadArguments when it names none, or more than one."""
    typed = given.strip().lower()
    if _WHOLE_ID.fullmatch(typed):
        return typed
    if not _PREFIX.fullmatch(typed):
        raise BadArguments(f"'{given}' is not an upload id: an id is 32 letters a-f and digits, or the start of one "
                           "(roster uploads lists them)")
    found = _matching(api, typed)
    if not found:
        raise BadArguments(f"no upload of yours or your organisations' has an id starting {typed}; roster uploads "
                           "lists them")
    if len(found) > 1:
        listed = "\n".join(f"  {item['upload_id']}  {item['file_name']}  {item['state']}  {item['created_at']}"
                           for item in found[:SHOWN_CANDIDATES])
        more = f"\n  ... and {len(found) - SHOWN_CANDIDATES} more" if len(found) > SHOWN_CANDIDATES else ""
        raise BadArguments(f"{len(found)} uploads have an id starting {typed}; give more of the id:\n{listed}{more}")
    return str(found[0]["upload_id"])


def _matching(api: ListsUploads, prefix: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        query = {"limit": str(PAGE), **({"cursor": cursor} if cursor else {})}
        page = api.get_json("/uploads", **query)
        found += [item for item in page.get("uploads", []) if str(item.get("upload_id", "")).startswith(prefix)]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return found

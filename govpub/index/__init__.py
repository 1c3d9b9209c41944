"""The Elasticsearch side: client, versioned indices behind an alias, bulk indexing.

Searching the index is govpub.search's job; this package only writes and manages it.
"""

from govpub.index.bulk import BULK_CHUNK_SIZE, OVERLAY_FIELDS, BulkResult, actions, bulk_index, indexed_overlays, update_overlays
from govpub.index.client import IndexUnavailable, check_reachable, client
from govpub.index.lifecycle import (
    IndexOutdated,
    alias_indices,
    count,
    delete_alias_and_indices,
    ensure_index,
    outdated,
    index_name,
    load_mapping,
    mapping_version,
    refresh,
)
from govpub.schema import DERIVED_FIELDS, to_es_source

__all__ = [
    "BULK_CHUNK_SIZE", "BulkResult", "IndexOutdated", "outdated", "OVERLAY_FIELDS", "indexed_overlays", "DERIVED_FIELDS", "IndexUnavailable", "actions",
    "alias_indices", "bulk_index", "check_reachable", "client", "count", "delete_alias_and_indices",
    "ensure_index", "index_name", "load_mapping", "mapping_version", "refresh", "to_es_source",
    "update_overlays",
]

"""The one place files are written, read and served: content-addressed under MEDIA_ROOT.

    keys       keys and paths (``ab/<sha256>.<ext>``), StorageError
    filetypes  content sniffing against a whitelist of types
    store      writing (streamed, hashed, renamed into place) and serving
    owners     which features have stored files (MEDIA_ROOT/.owners)
    garbage    reference checks and garbage collection (refuses when a check is missing)
    derived    outputs made from a stored file (renditions, posters, HLS)
    partial    resumable uploads

Callers use the package: ``from mooc.core import storage; storage.store_bytes(...)``.
"""
from mooc.core.storage.derived import (DERIVED_DIR, derived_dir, derived_exists, derived_idents,
                                       derived_namespaces, derived_path, is_valid_derived_name,
                                       remove_derived, send_derived)
from mooc.core.storage.filetypes import (CFB_MAGIC, DOCUMENT_EXTS, FILE_TYPES, IMAGE_EXTS,
                                         FileType, human_size, mime_for, register_type, sniff,
                                         type_labels)
from mooc.core.storage.garbage import (GarbageCollectionRefused, collect_garbage,
                                       delete_if_unreferenced, is_referenced,
                                       register_reference_check)
from mooc.core.storage.keys import (CHUNK, HEAD, KEY_RE, TMP_DIR, StorageError, exists,
                                    is_valid_key, key_digest, media_root, open_key, path_for)
from mooc.core.storage.owners import OWNERS_FILE, record_owner, recorded_owners
from mooc.core.storage.partial import (PartialBusy, append_partial, discard_partial,
                                       partial_path, partial_size)
from mooc.core.storage.store import (StoredFile, send, sha256_of_file, store_bytes, store_file,
                                     store_stream)

__all__ = [
    "CFB_MAGIC", "CHUNK", "DERIVED_DIR", "DOCUMENT_EXTS", "FILE_TYPES", "HEAD", "IMAGE_EXTS",
    "KEY_RE", "OWNERS_FILE", "TMP_DIR", "FileType", "GarbageCollectionRefused", "PartialBusy", "StorageError",
    "StoredFile", "append_partial", "collect_garbage", "delete_if_unreferenced",
    "derived_dir", "derived_exists", "derived_idents", "derived_namespaces", "derived_path",
    "discard_partial", "exists", "human_size", "is_referenced", "is_valid_derived_name",
    "is_valid_key", "key_digest", "media_root", "mime_for", "open_key", "partial_path",
    "partial_size", "path_for", "record_owner", "recorded_owners", "register_reference_check",
    "register_type", "remove_derived", "send", "send_derived", "sha256_of_file", "sniff",
    "store_bytes", "store_file", "store_stream", "type_labels",
]

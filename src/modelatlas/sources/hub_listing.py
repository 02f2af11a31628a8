"""The Hub listing's vocabulary: expand fields, sort orders, page sizes.

Kept apart from the HTTP client so the CLI can offer the choices without
importing httpx at start-up.
"""

from __future__ import annotations

# ``expand=`` fields the listing asks for: what the store uses (ModelInfo property
# names, all in huggingface_hub's ``ExpandModelProperty_T``). Not ``cardData``: it
# can be large and the Hub mirrors its licence and base model into tags;
# ``ingest details`` fetches the card for the models that need it.
LIST_EXPAND: tuple[str, ...] = (
    "author", "createdAt", "lastModified", "downloads", "downloadsAllTime", "likes",
    "tags", "pipeline_tag", "library_name", "gated", "safetensors", "gguf", "baseModels",
    "trendingScore", "usedStorage", "childrenModelCount",
)  # fmt: skip
SORTS: tuple[str, ...] = ("downloads", "likes", "createdAt", "lastModified", "trendingScore")
DEFAULT_PAGE_SIZE = 500  # huggingface.js list-models.ts asks for min(limit, 500)
PAGE_SIZES: tuple[int, ...] = (1000, 500, 250, 100, 50)  # fallback ladder after a 400

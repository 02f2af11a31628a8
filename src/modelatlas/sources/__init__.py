"""Sources: one module per input, each streaming canonical Arrow batches.

``file_*`` modules are file formats for ``modelatlas ingest file`` and register
themselves in :mod:`modelatlas.sources.registry`.
"""

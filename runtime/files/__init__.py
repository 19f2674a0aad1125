"""Files and images: storage, signed upload and download URLs, variants, the orphan sweep.

The field types live in ``builder.asset_types``; the bookkeeping tables in
``runtime.system_tables.ASSET_DDL``.
"""

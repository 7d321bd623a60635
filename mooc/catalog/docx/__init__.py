"""Word (.docx) → Markdown for lesson bodies; the entry point is docx.importer.docx_to_markdown.

Nothing is imported here, so `mooc.catalog.media` can import the converter lazily and
explain when it is unavailable.
"""

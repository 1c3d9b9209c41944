"""From archived WARC records to documents (pure), and duplicate clustering of documents."""

from govpub.documents.build import ArticleRecords, Located, ParseOutcome, build_document, group_articles, parse_articles

__all__ = ["ArticleRecords", "Located", "ParseOutcome", "build_document", "group_articles", "parse_articles"]

"""The API's routes, one router per concern: the page, search, series, documents, export."""

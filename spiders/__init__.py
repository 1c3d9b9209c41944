"""govpub's Scrapy project: spiders fetch and archive raw responses; they never parse documents."""

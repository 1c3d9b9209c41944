"""The steps of a site run (crawl → parse → archive → index → clusters) and whole-archive rebuilds."""

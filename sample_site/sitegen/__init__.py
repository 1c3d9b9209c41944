"""The sample world's generator, one module per sample bureau (run sample_site/build.py)."""

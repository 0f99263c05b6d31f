"""``make bench``: ewsemu's speed as ratios against a bare lxml + sqlite3 pipeline run in the same process.

``python -m bench`` runs every measurement, prints them and writes ``bench/RESULTS.md`` and the plots.
"""

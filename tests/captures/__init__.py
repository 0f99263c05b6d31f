"""exchangelib 5.6.0 requests to ewsemu and its responses, recorded by ``python -m tests.captures.regenerate``."""

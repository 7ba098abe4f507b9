"""Prices: daily closes for the symbols claims need.

Input: symbols and a provider (CSV folder, Stooq, yfinance, the cache). Output: a
`PriceBook` of split-aware series. Side effects: HTTP requests through `pipeline.http`
and the price cache in the store.

Open `book.py` for the cache and `PriceBook`, `providers.py` for the provider registry,
`quality.py` for the flags on a whole series (gaps, likely unadjusted splits, jumps).
"""

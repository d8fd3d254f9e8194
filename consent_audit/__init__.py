"""The cookie audit: what a live site sets before consent, after a refusal and after acceptance,
judged against its `site.toml` (`python build.py audit URL`)."""

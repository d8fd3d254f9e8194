"""Fixed-window rate limits per pseudonymised network: in memory, or in Redis when shared."""

from __future__ import annotations

import math
import threading
import time


class MemoryLimiter:
    """Counts in this process; right for one worker (the demo, tests)."""

    def __init__(self, count: int, seconds: int):
        self.count, self.seconds = count, seconds
        self.lock = threading.Lock()
        self.windows: dict[str, tuple[int, int]] = {}

    def hit(self, key: str) -> int:
        """0 when allowed, else the seconds to wait (for Retry-After)."""
        now = time.time()
        window = int(now // self.seconds)
        with self.lock:
            if len(self.windows) > 100_000:
                # Forget finished windows so that memory stays bounded under a flood.
                self.windows = {k: v for k, v in self.windows.items() if v[0] == window}
            start, used = self.windows.get(key, (window, 0))
            if start != window:
                used = 0
            used += 1
            self.windows[key] = (window, used)
        if used <= self.count:
            return 0
        return max(1, math.ceil((window + 1) * self.seconds - now))


class Unavailable(Exception):
    """The shared counter cannot be reached; each endpoint decides what that means."""


# The window's counter, made to expire with it when first counted: atomic in Redis, so that a
# worker killed between the two leaves no counter behind that never expires.
_COUNT = """local used = redis.call('INCR', KEYS[1])
if used == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return used"""


class RedisLimiter:
    """Counts in Redis so that every worker and machine shares one budget.

    `local` counts in this process, for the endpoints that go on without Redis.
    """

    def __init__(self, url: str, count: int, seconds: int, prefix: str = "consent:rl:"):
        import redis

        # Bounded waits: a frozen Redis must cost a request half a second, not a worker.
        self.client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.count, self.seconds, self.prefix = count, seconds, prefix
        self.local = MemoryLimiter(count, seconds)
        # One command per hit (a pipeline of two costs the POST about 15 us more); loaded
        # again by redis-py when Redis has forgotten it (a restart).
        self.count_hit = self.client.register_script(_COUNT)

    def hit(self, key: str) -> int:
        """0 when allowed, else the seconds to wait; Unavailable when Redis does not answer."""
        import redis

        now = time.time()
        window = int(now // self.seconds)
        name = f"{self.prefix}{key}:{window}"
        try:
            used = self.count_hit(keys=[name], args=[self.seconds + 1])
        except redis.RedisError as error:
            raise Unavailable(error.__class__.__name__) from None
        if used <= self.count:
            return 0
        return max(1, math.ceil((window + 1) * self.seconds - now))


def make_limiter(config: dict, setting: str = "CONSENT_RATE_LIMIT",
                 prefix: str = "consent:rl:"):
    """A limiter of `setting`'s count per window; each limiter its own `prefix` in Redis."""
    count, seconds = config[setting]
    if config["REDIS_URL"]:
        return RedisLimiter(config["REDIS_URL"], count, seconds, prefix)
    limiter = MemoryLimiter(count, seconds)
    limiter.local = limiter
    return limiter

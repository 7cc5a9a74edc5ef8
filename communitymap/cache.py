"""The Redis cache backend (CACHE_URL=redis://...): Django's own, keeping its redis-py client.

Django makes a new redis-py client for every cache call, and each one first builds its table
of reply handlers: 0.15 ms, more than the call itself takes to Redis on the same machine, and a
report page makes several calls (the records' generation, the kept HTML). A client holds
nothing but its connection pool and is safe to share between threads, so one per pool is kept.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))  # the pools live as long as this object
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

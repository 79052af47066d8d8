"""What every domain uses: config, errors and the error middleware, auth, HTTP helpers, JSON
logging, the loop-lag monitor, background tasks and the Redis connection."""

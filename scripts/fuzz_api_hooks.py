"""Hooks for scripts/fuzz-api: Waypoint's bulk bodies (application/x-waypoint-batch) are
bytes, sent as generated, like application/octet-stream."""

import schemathesis

schemathesis.serializer.alias("application/x-waypoint-batch", "application/octet-stream")

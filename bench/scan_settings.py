"""Settings for bench/scan.py only: the platform's settings plus the bare-lookup floor view
(``VERIFICATION_BENCH_BARE``), which production never mounts."""

from traceability.settings import *  # noqa: F401,F403

VERIFICATION_BENCH_BARE = True

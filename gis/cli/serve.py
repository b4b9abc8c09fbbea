"""``gridmap serve``: the API and the map, served by uvicorn."""

import enum
import os

from gis.cli import process


class LogLevel(enum.StrEnum):
    """uvicorn's log levels; below ``info``, no line is written per request."""

    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, log_level: LogLevel = LogLevel.info,
          forwarded_allow_ips: str = "") -> None:
    """Serve the API and the map; ``--workers N``: N server processes sharing the port (each with
    its own connection pool and tile cache); ``--log-level warning``: no line per request;
    ``--forwarded-allow-ips 10.0.0.5``: behind that proxy (comma-separated addresses), the client's
    address and scheme are read from its X-Forwarded-For and X-Forwarded-Proto. With none (the
    default) those headers are ignored, whoever sends them: a client cannot pose as many addresses
    to get past the sign-in throttle."""
    import uvicorn

    from gis.settings import Settings

    settings = Settings()
    if not settings.print_base_url:  # the print browser opens the pages here, on this machine
        local = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        # in the environment: each worker process builds the app, and its settings, anew
        os.environ["GRIDMAP_PRINT_BASE_URL"] = f"http://{local}:{port}"
    process.working()  # the server runs from here, collecting as any long-lived process
    proxies = forwarded_allow_ips.strip()
    if workers > 1:
        uvicorn.run("api.main:create_app", factory=True, host=host, port=port, workers=workers,
                    log_level=log_level.value, proxy_headers=bool(proxies), forwarded_allow_ips=proxies)
        return
    from api.main import create_app

    uvicorn.run(create_app(Settings()), host=host, port=port, log_level=log_level.value,
                proxy_headers=bool(proxies), forwarded_allow_ips=proxies)

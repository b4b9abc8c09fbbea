"""``gridmap serve``: the API and the map, served by uvicorn."""

from __future__ import annotations


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API and the map."""
    import uvicorn

    from api.main import create_app
    from gis.settings import Settings

    settings = Settings()
    if not settings.print_base_url:  # the print browser opens the pages here, on this machine
        local = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        settings = settings.model_copy(update={"print_base_url": f"http://{local}:{port}"})
    uvicorn.run(create_app(settings), host=host, port=port)

"""One settings object for the service, the CLI and the tests (env prefix ``GRIDMAP_``).

The settings themselves (names, types, defaults, what each means) are in
:mod:`gis.settings_fields`, once; this class reads them from the environment.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from gis.settings_fields import DEFAULT_DATABASE_URL, DEFAULT_WEB_ASSETS, ENV_PREFIX, SettingFields

__all__ = ["DEFAULT_DATABASE_URL", "DEFAULT_WEB_ASSETS", "Settings"]


class Settings(BaseSettings, SettingFields):
    """Settings read from ``GRIDMAP_*`` environment variables.

    Built explicitly by whoever needs it (``create_app(settings)``, the CLI), never at import time.
    """

    # Built when the class is made, as ever (its fields' class defers that).
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", defer_build=False)

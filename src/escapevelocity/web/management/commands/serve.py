from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from escapevelocity.config import UnsafeConfiguration, check_production


def serve(*, host: str, port: int, workers: int) -> None:
    """Serve the WSGI app with gunicorn in the foreground until interrupted."""
    from gunicorn.app.base import BaseApplication

    from escapevelocity.wsgi import application

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-" if settings.DEBUG else None)
            self.cfg.set("graceful_timeout", 10)

        def load(self) -> Any:
            return application

    Server().run()


class Command(BaseCommand):
    help = "Serve the web app and API (gunicorn). Refuses to start with unsafe settings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            check_production(
                secret_key=settings.EV_SECRET_KEY_VALUE,
                debug=settings.DEBUG,
                allowed_hosts=settings.ALLOWED_HOSTS,
            )
        except UnsafeConfiguration as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Serving on http://{options['host']}:{options['port']}/ (Ctrl-C stops)")
        serve(host=options["host"], port=options["port"], workers=options["workers"])

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from escapevelocity.config import check_production

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escapevelocity.settings")
application = get_wsgi_application()
check_production(
    secret_key=settings.EV_SECRET_KEY_VALUE,
    debug=settings.DEBUG,
    allowed_hosts=settings.ALLOWED_HOSTS,
)

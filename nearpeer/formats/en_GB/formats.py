"""24-hour time everywhere (Django's en-GB default shows "4 p.m.")."""

TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
DATE_FORMAT = "j M Y"

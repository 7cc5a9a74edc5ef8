# English pages show dates as "2 Dec 2026": day first, as in Indonesia, and never 12/02/2026,
# which an Indonesian reader takes for 12 February. Indonesian keeps Django's own formats.
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j F"

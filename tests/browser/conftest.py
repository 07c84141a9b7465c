# The one headless Chromium fixture (`browser`, launched from Debian's /usr/bin/chromium, skipped where it is
# missing) is the scorecard test's; the fleet scorecard's test uses it from here.
from test_scorecard_browser import browser  # noqa: F401
